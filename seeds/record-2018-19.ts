import {
  type EventSpec, type FigureSpec, type ItemSpec, type OrganisationSpec, type PeriodSpec, type ProgrammeSpec, from,
} from './specs.ts';

/*
 * The 2018-19 record of the Guangdong/Hong Kong Expert Group, as published in its Summary of
 * Co-operation Items. The narratives are the published text with every figure the platform
 * holds written as a placeholder, so that the summary rendered from these rows reads exactly
 * like the published one, and moves when the rows do.
 */

export const ORGANISATIONS: readonly OrganisationSpec[] = [
  {
    code: 'HKIPD', name: 'Intellectual Property Department of the Hong Kong Special Administrative Region', side: 'HK',
  },
  {
    code: 'GDAMR(GDIPA)',
    name: 'Guangdong Administration for Market Regulation (Guangdong Intellectual Property Administration)',
    side: 'GD',
  },
  { code: 'GDCAB', name: 'Guangdong Copyright Administration Bureau', side: 'GD' },
  {
    code: 'HKC&ED',
    name: 'Customs and Excise Department of the Hong Kong Special Administrative Region (Hong Kong Customs)',
    side: 'HK',
  },
  { code: 'GACC-GD', name: 'Guangdong Sub-administration of Customs General Administration', side: 'GD' },
  { code: 'GDAIC', name: 'Guangdong Province Administration for Industry and Commerce (the then GDAIC)', side: 'GD' },
  {
    code: 'GDPSD', name: 'Guangdong Provincial Public Security Department (Economic Crime Investigation Bureau)',
    side: 'GD',
  },
  { code: 'HKSARG', name: 'Government of the Hong Kong Special Administrative Region', side: 'HK' },
  { code: 'HKTDC', name: 'Hong Kong Trade Development Council', side: 'HK' },
  { code: 'HKDC', name: 'Hong Kong Design Centre', side: 'HK' },
  { code: 'DSE', name: 'Economic Bureau of the Macao Special Administrative Region', side: 'MO' },
  { code: 'MOCS', name: 'Macao Customs Service', side: 'MO' },
  { code: 'ZHGOV', name: "People's Government of Zhuhai Municipality", side: 'GD' },
  { code: 'TMECGZ', name: 'Trademark Examination Cooperation Guangzhou Centre', side: 'CN' },
  { code: 'GZDDIPA', name: 'Guangzhou Development District Intellectual Property Association', side: 'GD' },
  { code: 'POLYU', name: 'The Hong Kong Polytechnic University', side: 'HK' },
  { code: 'CITYU', name: 'City University of Hong Kong', side: 'HK' },
  { code: 'HKU', name: 'The University of Hong Kong', side: 'HK' },
  { code: 'CUHK', name: 'The Chinese University of Hong Kong', side: 'HK' },
  { code: 'HKFII', name: 'Hong Kong Federation of Invention and Innovation', side: 'HK' },
  { code: 'HKIAC', name: 'Hong Kong International Arbitration Centre', side: 'HK' },
  { code: 'HZCB', name: 'Copyright Bureau of Huizhou Municipality', side: 'GD' },
  { code: 'HZEB', name: 'Education Bureau of Huizhou Municipality', side: 'GD' },
  { code: 'HZTHMAB', name: 'Bureau of Taiwan, Hong Kong and Macao Affairs of Huizhou Municipality', side: 'GD' },
  { code: 'HZHLG', name: 'Huizhou Hualuogeng Senior High School', side: 'GD' },
];

export const PERIOD: PeriodSpec = {
  slug: '2018-19',
  label: '2018-2019',
  startsOn: '2018-07-01',
  endsOn: '2019-12-31',
  intro: 'The Guangdong/Hong Kong Expert Group on the Protection of IPRs completed {{items status=completed}} '
    + 'co-operation items in 2018-19, with a view to promoting the development of intellectual property (IP) '
    + 'co-operation in the region. There were {{items new=yes}} new items, namely Items {{item-list new=yes}}. The '
    + 'progress of the co-operation items is as follows:',
  publishedAt: null,
  publisher: 'HKIPD',
};

const paragraphs = (...texts: string[]) => texts.join('\n\n');

export const ITEMS: readonly ItemSpec[] = [
  {
    number: 1,
    title:
      'Exploring a new co-operation mechanism on IP in the Guangdong-Hong Kong-Macao Greater Bay Area (Greater Bay Area)',
    isNew: true,
    status: 'completed',
    parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
    narrative: paragraphs(
      `In December 2018, the Intellectual Property Department of the Hong Kong Special Administrative Region (HKIPD) and the Guangdong Administration for Market Regulation (Guangdong Intellectual Property Administration) (GDAMR(GDIPA)) held a meeting in Hong Kong to explore the establishment of a new co-operation mechanism on IP in the Greater Bay Area, and to consider the IP implementation plan for the development of the Greater Bay Area. In addition, members of the Guangdong/Hong Kong Expert Group on the Protection of IPRs actively promoted IP co-operation in the two places, particularly in the Greater Bay Area, on areas including exchanges and discussions, publicity and education, IP trading, commercialisation of research and development (R&D) outcomes, integration of the nine Pearl River Delta municipalities into the co-operation mechanism on IP in the Greater Bay Area and co-operation in cross-boundary IP protection.`,
    ),
  },
  {
    number: 2,
    title: 'Organising a high-end IP symposium in the Greater Bay Area',
    isNew: true,
    status: 'completed',
    parties: { lead: ['GDAMR(GDIPA)'], with: ['HKIPD'] },
    narrative: paragraphs(
      `In November 2018, the GDAMR(GDIPA) organised the "Intellectual Property Development of the Guangdong-Hong Kong-Macao Greater Bay Area & the Belt and Road Forum" during the "Guangdong Intellectual Property Trade Expo". The representative of HKIPD and IP experts and academics from Guangdong, Hong Kong and Macao, etc. gave speeches and exchanged views with the participants on the theme of the forum, so as to promote the co-operation on IP and consolidation of innovation resources in the Greater Bay Area. {{attendance gba-belt-road-ip-forum-2018 | about}} participants attended the forum.`,
    ),
  },
  {
    number: 3,
    title: 'Promoting branding globalisation',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: ['TMECGZ'] },
    narrative: paragraphs(
      `In May 2019, the HKIPD and the GDAMR(GDIPA) jointly organised an exchange activity on branding globalisation in Guangdong, Hong Kong and Macao under the theme of "Brand Development of Classic Old Shops/Time-honoured Brands: Rebranding" in Guangzhou. Representatives from the IP industry and trade associations in Hong Kong conducted exchanges with experts and relevant representatives from Guangdong and Macao around the theme, further promoting the collaborated development of trademarks/brands in the Greater Bay Area and enhancing the international competitiveness of enterprises.`,
      `Moreover, a dedicated advisory service window was set up by the Trademark Examination Cooperation Guangzhou Centre to provide accessible trademark advisory services for Hong Kong/Macao-owned enterprises in Guangdong.`,
    ),
  },
  {
    number: 4,
    title: 'Initiating joint nurturing of IP talent in Guangdong, Hong Kong and Macao',
    isNew: true,
    status: 'completed',
    parties: { lead: ['HKIPD'], with: ['POLYU', 'CITYU', 'GDAMR(GDIPA)'] },
    narrative: paragraphs(
      `In July 2019, the HKIPD organised the "AUTM-ISTA Professional Development Conference 2019" in Hong Kong in collaboration with the Hong Kong Polytechnic University and the City University of Hong Kong, and the Guangdong and Macao sides were informed of the relevant arrangements. The Conference, with {{attendance autm-ista-pdc-2019 | over}} participants, helped enhance the nurturing of high-calibre IP talent in the Greater Bay Area.`,
      `The GDAMR(GDIPA) informed the HKIPD of the details of the 22nd training course for newly appointed examiners and assisted the staff of the HKIPD to participate.`,
      `In November 2019, representatives of the HKIPD went to Shenzhen to participate in the Intellectual Property Talent Development Conference of the Greater Bay Area cum Intellectual Property Talent Matching Session organised by the GDAMR (GDIPA). The Conference aimed at promoting the development of IP talent, thereby contributing to the Greater Bay Area development.`,
    ),
  },
  {
    number: 5,
    title: 'Organising the "Guangdong-Hong Kong-Macao Greater Bay Area High Value Patent Portfolio Contest 2019"',
    isNew: true,
    status: 'completed',
    parties: { lead: ['GDAMR(GDIPA)'], with: ['HKIPD', 'DSE', 'ZHGOV'] },
    narrative: paragraphs(
      `The GDAMR(GDIPA), the HKIPD, the Economic Bureau of the Macao Special Administrative Region, and the People's Government of Zhuhai Municipality jointly organised the first "Guangdong-Hong Kong-Macao Greater Bay Area High Value Patent Portfolio Contest 2019" (the Contest). Participants included innovation and technology enterprises, higher education institutions, R&D centres, etc. The final of the Contest was held in June in Hengqin, Zhuhai, where {{awards hvpp-contest-2019 major=yes}} major awards were handed out. A number of high-value patent innovation projects were identified in the Contest, which would contribute to fostering technology transfer and supporting high-quality economic development in the Greater Bay Area.`,
    ),
  },
  {
    number: 6,
    title: 'Jointly organising the Guangdong-Hong Kong-Macao Greater Bay Area Intellectual Property Trade Expo',
    isNew: true,
    status: 'completed',
    parties: { lead: ['GDAMR(GDIPA)'], with: ['HKIPD', 'DSE'] },
    narrative: paragraphs(
      `The "Guangdong-Hong Kong-Macao Greater Bay Area Intellectual Property Trade Expo 2019", jointly organised by the GDAMR(GDIPA), the HKIPD and the Economic Bureau of the Macao Special Administrative Region, was held in Guangzhou in November 2019 to promote IP trading and innovation in the Greater Bay Area.`,
    ),
  },
  {
    number: 7,
    title:
      'Strengthening the collaboration mechanism between the customs authorities of Guangdong and Hong Kong for the exchange of information on IP infringements',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKC&ED', 'GACC-GD'], with: [] },
    narrative: paragraphs(
      `The Hong Kong Customs and the Guangdong Sub-administration of Customs General Administration exchanged information on detected Hong Kong-related IP infringement cases on a monthly basis, and provided real-time information exchange on major detected cases. From July 2018 to end-2019, they exchanged a total of {{figure customs-information-exchanged}} pieces of information of various sorts and jointly conducted parallel task-based enforcement operations on IP protection to combat the smuggling of IP infringing articles in the two places.`,
    ),
  },
  {
    number: 8,
    title:
      'Continuing the conduct of joint enforcement operations in the focus areas targeting major boundary crossings',
    isNew: false,
    status: 'completed',
    parties: { lead: ['GACC-GD'], with: ['HKC&ED'] },
    narrative: paragraphs(
      `During the period between July 2018 and end-2019, the Hong Kong Customs and the Guangdong Sub-administration of Customs General Administration organised and launched a number of joint enforcement operations against cross-boundary IP infringements in the focus areas. In particular, the Guangdong Sub-administration of Customs General Administration organised and coordinated {{figure joint-operations | words}} operations conducted by the customs authorities of Guangdong Province and the Hong Kong Customs in August and October 2018 and April, July and October 2019 respectively. During the {{figure joint-operations | words}} operations, the Hong Kong side detected {{figure cases-detected}} cases involving around {{figure items-seized}} items of IP infringing goods valued at about {{figure goods-value | hkd}}.`,
    ),
  },
  {
    number: 9,
    title:
      'Refining the Guangdong/ Hong Kong Special Administrative Region (HKSAR) collaboration mechanism for trademark law enforcement',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKC&ED'], with: ['GDAIC'] },
    narrative: paragraphs(
      `The Hong Kong Customs and the then Guangdong Province Administration for Industry and Commerce (GDAIC) also kept themselves abreast of the trends in cross-boundary trademark infringements through regular exchange of information. From July 2018 to end-2019, the Hong Kong Customs provided a total of {{figure trademark-information-provided}} pieces of information to the then GDAIC.`,
    ),
  },
  {
    number: 10,
    title: 'Strengthening the Guangdong/HKSAR collaboration mechanism for copyright law enforcement',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKC&ED', 'GDCAB'], with: [] },
    narrative: paragraphs(
      `The Hong Kong Customs and the Guangdong Copyright Administration Bureau (GDCAB) continued to work together to combat cross-boundary piracy and infringement activities in the two places by refining the Guangdong/HKSAR collaboration mechanism for handling cases and enhancing the efficiency of information and data exchange between the two sides. In May 2019, the GDCAB and the Hong Kong Customs had thorough discussions about infringement cases involving online literary works and the need to step up collaboration to combat online copyright infringements.`,
    ),
  },
  {
    number: 11,
    title: 'Strengthening Guangdong/HKSAR co-operation on IP criminal enforcement',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKC&ED'], with: ['GDPSD'] },
    narrative: paragraphs(
      `From July 2018 to end-2019, the Hong Kong Customs and the Economic Crime Investigation Bureau of the Guangdong Provincial Public Security Department (GDPSD) exchanged {{figure criminal-information-exchanged | words}} pieces of information through real-time exchange of information and collaboration in investigations. The Hong Kong Customs sent a delegation to visit Guangzhou and Shenzhen in March and August 2019 respectively. During the visit, they exchanged information with officers of the Economic Crime Investigation Bureau of the GDPSD on individual cases and discussed with them relevant issues on law enforcement collaboration.`,
    ),
  },
  {
    number: 12,
    title: 'Taking forward the establishment of an exchange mechanism on enforcement work in Guangdong and Hong Kong',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKC&ED', 'GACC-GD'], with: ['MOCS'] },
    narrative: paragraphs(
      `In October 2018, the Hong Kong Customs sent a delegation to visit the Guangdong Sub-administration of Customs General Administration for a meeting. Visits to Guangzhou postal authorities and express mail inspection sites were also conducted. During the meeting and the visits, the two sides shared the experience in law enforcement against smuggling of IP infringing articles by express mail and explored future strategies for jointly combating cross-boundary IP infringement activities conducted through express mail channels.`,
      `In July 2019, the Guangdong Sub-administration of Customs General Administration sent a delegation to visit the Hong Kong Customs for a high-level meeting with the representatives of the Hong Kong Customs and the Macao Customs Service. Visits to operation sites were also conducted. During the meeting and the visits, the latest IP infringement situation and combating strategies were discussed, and enforcement officers of the three sides also exchanged views and learnt from each other.`,
    ),
  },
  {
    number: 13,
    title: 'Initiating exchanges and co-operation on IP protection assistance and diversified dispute resolution',
    isNew: true,
    status: 'completed',
    parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
    narrative: paragraphs(
      `In May 2019, representatives of the HKIPD visited Guangzhou and conducted exchanges and discussions with representatives of the GDAMR(GDIPA) and relevant organisations on IP protection assistance and dispute resolution, with a view to fostering co-operation between Guangdong and the HKSAR on the refinement of the mechanism for diversified resolution of IP disputes and the provision of guidance to industry associations to strengthen IP protection.`,
      `In June 2019, the GDAMR(GDIPA) led a delegation comprising representatives of IP protection, arbitration and mediation-related organisations and associations in Guangdong Province to Hong Kong and conducted exchanges with representatives of IP-related organisations in Hong Kong to explore the co-operation opportunities on IP dispute resolution in the context of the Greater Bay Area development.`,
    ),
  },
  {
    number: 14,
    title: 'Promoting the development of IP trading in Guangdong and Hong Kong',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD'], with: ['HKSARG', 'HKTDC', 'HKDC', 'GDAMR(GDIPA)', 'GZDDIPA'] },
    narrative: paragraphs(
      `In December 2018 and 2019 respectively, the HKIPD continued to support the Business of IP Asia Forum jointly organised by the HKSAR Government, the Hong Kong Trade Development Council (HKTDC) and the Hong Kong Design Centre and invited member authorities and enterprises of the Guangdong side to participate, with a view to promoting the development of IP trading in Guangdong and Hong Kong. In addition, under the steer of the GDAMR(GDIPA), the Guangzhou Development District Intellectual Property Association co-organised with the HKTDC a sub-forum at the Forum in the respective years.`,
      `In September 2019, representatives of the HKIPD, the HKTDC and the Steering Committee of the Business of IP Asia Forum visited Guangzhou to attend an exchange activity for IP trading platforms organised by the GDAMR(GDIPA) and exchanged views with representatives from various IP trading platforms in Guangdong Province, further promoting the development, exchanges and collaboration among IP trading platforms in Guangdong and Hong Kong.`,
    ),
  },
  {
    number: 15,
    title: 'Supporting the "Guangdong IP Trade Expo cum Pearl River Forum on IP"',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD'], with: ['HKTDC'] },
    narrative: paragraphs(
      `In November 2018, representatives of the HKIPD and the HKTDC attended the "2018 Guangdong IP Trade Expo cum Pearl River Forum on IP" in Guangzhou. A speech was given by the representative of the HKIPD at a sub-forum and exchanges with participants were also conducted. It was aimed at enhancing the development of IP creation, exploitation, protection and trading.`,
    ),
  },
  {
    number: 16,
    title: 'Participating in the 10th China International Animation Copyright Fair',
    isNew: false,
    status: 'completed',
    parties: { lead: ['GDCAB'], with: ['HKIPD', 'CITYU'] },
    narrative: paragraphs(
      `In November 2018, representatives of the HKIPD and students pursuing the Juris Doctor programme of the City University of Hong Kong attended the 10th China International Animation Copyright Fair organised by the GDCAB in Dongguan, with a view to enhancing exchanges and co-operation between the two places on copyright.`,
    ),
  },
  {
    number: 17,
    title:
      'Organising the "Guangdong/Hong Kong Seminar on Intellectual Property and the Development of Small and Medium Enterprises (SMEs)"',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
    narrative: paragraphs(
      `In September 2019, the "Guangdong/Hong Kong Seminar on IP and the Development of SMEs (Guangzhou)", jointly organised by the two sides under the theme of "IP Strategies for SMEs: Seize the Innovation Development Opportunities in the Guangdong-Hong Kong-Macao Greater Bay Area", was held in Guangzhou. The seminar aimed to assist enterprises in protecting and exploiting their IP so that they can capitalise on the opportunities offered by the Greater Bay Area development. {{attendance sme-seminar-2019 | about}} participants attended the seminar.`,
    ),
  },
  {
    number: 18,
    title: 'Organising trademark-related exchange activities between Guangdong and HKSAR',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD'], with: ['GDAMR(GDIPA)', 'TMECGZ'] },
    narrative: paragraphs(
      `In May 2019, the HKIPD organised a delegation comprising the Department's IP examiners to visit the GDAMR(GDIPA) and the Trademark Examination Cooperation Guangzhou Center. During the visit, the delegation met with relevant representatives of the Guangdong side for exchange and study activities on issues such as examination criteria for trademark registration, international trademark registration procedures under the Madrid System, etc. These activities deepened development and co-operation between the two places in the trademark area.`,
    ),
  },
  {
    number: 19,
    title: 'Organising the exchange programme for enterprises of the copyright industry in Guangdong and Hong Kong',
    isNew: false,
    status: 'completed',
    parties: { lead: ['GDCAB'], with: ['HKIAC'] },
    narrative: paragraphs(
      `In August 2019, a delegation led by the GDCAB, visited Hong Kong to take part in a copyright industry exchange programme under the theme of "Copyright Protection and Management". Activities under the programme included visiting {{hosts copyright-industry-exchange-2019 on=2019-08-15 | the}} and attending the opening ceremony of the Hong Kong Computer and Communications Festival, as well as conducting exchanges with representatives from the copyright industry of Hong Kong. The exchange programme enhanced both sides' understanding of copyright protection and management in the two places.`,
    ),
  },
  {
    number: 20,
    title:
      'Conducting exchange programmes on copyright knowledge and copyright protection for secondary school students in Guangdong and Hong Kong',
    isNew: false,
    status: 'completed',
    parties: { lead: ['GDCAB', 'HKC&ED', 'HKIPD'], with: ['HZCB', 'HZEB', 'HZTHMAB', 'HZHLG'] },
    narrative: paragraphs(
      `The GDCAB, the Hong Kong Customs and the HKIPD jointly organised the "Exchange Programme on Copyright Knowledge and Copyright Protection for Guangdong/Hong Kong Secondary School Students". In April 2019, a Hong Kong delegation of youth representatives led by the Hong Kong Customs joined an exchange programme in Guangdong. They visited {{hosts copyright-students-exchange-2019 from=HK on=2019-04-12 | the}} and organisations in the IP industry. In May 2019, representatives from the GDCAB, the Copyright Bureau of Huizhou Municipality, the Education Bureau of Huizhou Municipality, the Bureau of Taiwan, Hong Kong and Macao Affairs of Huizhou Municipality and the Huizhou Hualuogeng Senior High School went to Hong Kong for exchanges. They visited {{hosts copyright-students-exchange-2019 from=GD on=2019-05-23 | the}} and learned about the Department's enforcement actions and its efforts in combating IP infringements. Besides, representatives of the HKIPD briefed the delegation on the IP protection regime of the HKSAR and invited representatives of the copyright industry to have exchanges with the students. The exchange activities have instilled in the young people of the two places good values for respecting IPRs.`,
    ),
  },
  {
    number: 21,
    title: 'Assisting Hong Kong residents to sit for the Qualification Examination for Patent Attorneys',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
    narrative: paragraphs(
      `The Qualification Examination for Patent Attorneys was held in {{figure exam-cities}} cities simultaneously across the country in November 2018 and 2019 respectively. The two sides actively assisted Hong Kong residents in sitting for the examination and provided relevant information. In 2018, a total of {{figure hk-candidates-2018}} Hong Kong candidates registered for the examination in Guangdong and {{figure hk-passed-2018}} of them passed it. In 2019, a total of {{figure hk-candidates-2019}} Hong Kong candidates registered for the examination in Guangdong and {{figure hk-passed-2019}} of them passed it. Since 2004, a total of {{figure hk-passed-since-2004}} Hong Kong residents have passed the examination and {{figure hk-practising-mainland}} of them are practising in the Mainland.`,
    ),
  },
  {
    number: 22,
    title:
      'Encouraging enterprises to implement the National Standard for "Enterprise Intellectual Property Management Specification" and participate in the "IP Manager Scheme"',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
    narrative: paragraphs(
      `The HKIPD continued to promote the National Standard for "Enterprise Intellectual Property Management Specification" and related training information to the IP industry in Hong Kong, and publicised such information on its website and through exhibitions staged in Hong Kong to encourage implementation of the said standard by Hong Kong-invested enterprises in Guangdong. The GDAMR(GDIPA) distributed leaflets at IP seminars held in the province to encourage Guangdong-invested enterprises in Hong Kong to participate in the "IP Manager Scheme" and related IP management training courses and workshops organised by the HKIPD.`,
    ),
  },
  {
    number: 23,
    title: 'Observing the first "Speech Contest on Copyright Knowledge for University Students in Guangdong Province"',
    isNew: true,
    status: 'completed',
    parties: { lead: ['GDCAB'], with: ['HKIPD', 'HKU', 'CUHK'] },
    narrative: paragraphs(
      `In December 2019, representatives of the HKIPD and law students of the University of Hong Kong and the Chinese University of Hong Kong attended the final of the first "Speech Contest on Copyright Knowledge for University Students in Guangdong Province" organised by the GDCAB in Guangzhou, with a view to enhancing university students' awareness of copyright protection through observing the Contest.`,
    ),
  },
  {
    number: 24,
    title: 'Conducting publicity on IP',
    isNew: true,
    status: 'completed',
    parties: { lead: ['HKIPD'], with: ['GDAMR(GDIPA)', 'GDCAB'] },
    narrative: paragraphs(
      `The HKIPD collaborated with the GDAMR(GDIPA) and the GDCAB respectively to produce publicity videos on trademarks and copyright to promote commercialisation in the Greater Bay Area. The publicity videos on copyright and trademarks were launched in November 2018 and December 2019 respectively.`,
    ),
  },
  {
    number: 25,
    title: 'Continuing the promotion of the "No Fakes Pledge" Scheme',
    isNew: false,
    status: 'completed',
    parties: { lead: ['GDAMR(GDIPA)', 'HKIPD'], with: [] },
    narrative: paragraphs(
      `The GDAMR(GDIPA) and the HKIPD continued to implement the "No Fakes Pledge" Scheme in Guangdong and Hong Kong, with a view to strengthening publicity on IP protection and enhancing public awareness of respect for IPRs.`,
    ),
  },
  {
    number: 26,
    title:
      'Supporting community organisations in Hong Kong to participate in the Guangdong Youth and Children Invention Award',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD'], with: ['GDAMR(GDIPA)', 'HKFII'] },
    narrative: paragraphs(
      `With the support of the GDAMR(GDIPA), the HKIPD encouraged and provided funding for the Hong Kong Federation of Invention and Innovation to nominate Hong Kong students to participate in the 17th Guangdong Youth and Children Invention Award. During the event which took place in June 2019, {{entries gd-youth-invention-2019 side=HK}} inventions from Hong Kong were presented in the competition, winning a total of {{awards gd-youth-invention-2019 side=HK}} awards.`,
    ),
  },
  {
    number: 27,
    title:
      'Continuing to update the "Intellectual Property Database for Guangdong, Hong Kong and Macao" and the "Guangdong/Hong Kong IP Co-operation Corner"',
    isNew: false,
    status: 'completed',
    parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
    narrative: paragraphs(
      `The HKIPD and the GDAMR(GDIPA), in collaboration with other members of the Guangdong/Hong Kong Expert Group on the Protection of IPRs, continued to regularly update the "Intellectual Property Database for Guangdong, Hong Kong and Macao" and the "Guangdong/Hong Kong IP Co-operation Corner", which covered information on laws and regulations of patents, trademarks, copyright, and IP border and criminal protection, IP administration and management, the contacts of law enforcement agencies, etc. in the three places. Information about, and a link to, the Intellectual Property Administration of the nine Mainland cities in the Greater Bay Area were also added.`,
    ),
  },
];

export const FIGURES: readonly FigureSpec[] = [
  {
    item: 7, key: 'customs-information-exchanged', unit: 'count', value: 96,
    label: 'Pieces of information on IP infringements exchanged by the customs authorities, July 2018 to end-2019',
  },
  { item: 8, key: 'joint-operations', unit: 'count', value: 5, label: 'Joint enforcement operations coordinated' },
  { item: 8, key: 'cases-detected', unit: 'count', value: 42, label: 'Cases detected by the Hong Kong side' },
  { item: 8, key: 'items-seized', unit: 'count', value: 112_000, label: 'Items of IP infringing goods involved' },
  { item: 8, key: 'goods-value', unit: 'hkd', value: 8_300_000, label: 'Value of the IP infringing goods' },
  {
    item: 9, key: 'trademark-information-provided', unit: 'count', value: 18,
    label: 'Pieces of information provided by the Hong Kong Customs to the then GDAIC, July 2018 to end-2019',
  },
  {
    item: 11, key: 'criminal-information-exchanged', unit: 'count', value: 5,
    label: 'Pieces of information exchanged with the Economic Crime Investigation Bureau of the GDPSD',
  },
  { item: 21, key: 'exam-cities', unit: 'count', value: 30, label: 'Cities holding the examination simultaneously' },
  {
    item: 21, key: 'hk-candidates-2018', unit: 'count', value: 18,
    label: 'Hong Kong candidates registered in Guangdong, 2018',
  },
  { item: 21, key: 'hk-passed-2018', unit: 'count', value: 6, label: 'Hong Kong candidates who passed, 2018' },
  {
    item: 21, key: 'hk-candidates-2019', unit: 'count', value: 23,
    label: 'Hong Kong candidates registered in Guangdong, 2019',
  },
  { item: 21, key: 'hk-passed-2019', unit: 'count', value: 4, label: 'Hong Kong candidates who passed, 2019' },
  {
    item: 21, key: 'hk-passed-since-2004', unit: 'count', value: 73,
    label: 'Hong Kong residents who have passed since 2004',
  },
  { item: 21, key: 'hk-practising-mainland', unit: 'count', value: 26, label: 'Of them, practising in the Mainland' },
];

/** When the figures were entered: after the period closed, from the members' returns. */
export const FIGURES_RECORDED_AT = '2020-01-17T10:00:00+08:00';

const past = { status: 'closed', waitlist: false } as const;
const noRegistration = { capacity: null, registrationOpensAt: null, registrationClosesAt: null } as const;

const BIP_ASIA = 'Jointly organised by the HKSAR Government, the HKTDC and the Hong Kong Design Centre, with a '
  + 'sub-forum co-organised by the Guangzhou Development District Intellectual Property Association and the HKTDC.';

export const EVENTS: readonly EventSpec[] = [
  {
    ...past, ...noRegistration, item: 1, slug: 'gba-ip-cooperation-meeting-2018', kind: 'meeting',
    title: 'Meeting on a new co-operation mechanism on IP in the Greater Bay Area',
    description: 'HKIPD and GDAMR(GDIPA) explore a new co-operation mechanism on IP in the Greater Bay Area and '
      + 'consider the IP implementation plan for its development.',
    startsAt: '2018-12-12T10:00:00+08:00', endsAt: '2018-12-12T12:30:00+08:00',
    city: 'Hong Kong', venue: 'Intellectual Property Department, Wu Chung House, Wan Chai',
  },
  {
    ...past, item: 2, slug: 'gba-belt-road-ip-forum-2018', kind: 'forum',
    title: 'Intellectual Property Development of the Guangdong-Hong Kong-Macao Greater Bay Area & the Belt and Road '
      + 'Forum',
    description: 'Held during the Guangdong Intellectual Property Trade Expo. IP experts and academics from Guangdong, '
      + 'Hong Kong and Macao speak on IP co-operation and the consolidation of innovation resources in the Greater '
      + 'Bay Area.',
    startsAt: '2018-11-23T09:30:00+08:00', endsAt: '2018-11-23T17:30:00+08:00',
    city: 'Guangzhou', venue: 'China Import and Export Fair Complex, Pazhou',
    capacity: 150, registrationOpensAt: '2018-10-22T09:00:00+08:00', registrationClosesAt: '2018-11-21T18:00:00+08:00',
    attendance: { registered: 120, cancelled: 3, checkedIn: 103, sides: { GD: 62, HK: 18, MO: 10, CN: 8, OTHER: 2 } },
  },
  {
    ...past, ...noRegistration, item: 3, slug: 'branding-globalisation-exchange-2019', kind: 'exchange_activity',
    title: 'Exchange activity on branding globalisation in Guangdong, Hong Kong and Macao',
    description: 'Theme: "Brand Development of Classic Old Shops/Time-honoured Brands: Rebranding". Representatives of '
      + 'the IP industry and trade associations in Hong Kong meet experts from Guangdong and Macao.',
    startsAt: '2019-05-17T14:00:00+08:00', endsAt: '2019-05-17T17:30:00+08:00',
    city: 'Guangzhou', venue: 'Guangzhou',
  },
  {
    ...past, item: 4, slug: 'autm-ista-pdc-2019', kind: 'conference',
    title: 'AUTM-ISTA Professional Development Conference 2019',
    description: 'Organised by the HKIPD with the Hong Kong Polytechnic University and the City University of Hong '
      + 'Kong to nurture high-calibre IP talent in the Greater Bay Area.',
    startsAt: '2019-07-09T09:00:00+08:00', endsAt: '2019-07-10T17:30:00+08:00',
    city: 'Hong Kong', venue: 'Jockey Club Innovation Tower, The Hong Kong Polytechnic University',
    capacity: 160, registrationOpensAt: '2019-05-02T09:00:00+08:00', registrationClosesAt: '2019-07-05T18:00:00+08:00',
    attendance: { registered: 146, cancelled: 6, checkedIn: 126, sides: { HK: 62, GD: 16, MO: 6, CN: 8, OTHER: 22 } },
  },
  {
    ...past, ...noRegistration, item: 4, slug: 'gba-ip-talent-conference-2019', kind: 'conference',
    title: 'Intellectual Property Talent Development Conference of the Greater Bay Area cum Intellectual Property '
      + 'Talent Matching Session',
    description: 'Organised by the GDAMR(GDIPA) to promote the development of IP talent in the Greater Bay Area.',
    startsAt: '2019-11-15T09:30:00+08:00', endsAt: '2019-11-15T17:00:00+08:00',
    city: 'Shenzhen', venue: 'Shenzhen Convention and Exhibition Center',
  },
  {
    ...past, ...noRegistration, item: 5, slug: 'hvpp-contest-final-2019', kind: 'ceremony',
    title: 'Final and award ceremony of the Greater Bay Area High Value Patent Portfolio Contest 2019',
    description: 'Finalists present their patent portfolios to the judging panel; the major awards are handed out.',
    startsAt: '2019-06-27T09:00:00+08:00', endsAt: '2019-06-28T17:00:00+08:00',
    city: 'Zhuhai', venue: 'Hengqin New Area',
  },
  {
    ...past, ...noRegistration, item: 6, slug: 'gba-ip-trade-expo-2019', kind: 'expo',
    title: 'Guangdong-Hong Kong-Macao Greater Bay Area Intellectual Property Trade Expo 2019',
    description: 'Jointly organised by the GDAMR(GDIPA), the HKIPD and the Economic Bureau of the Macao Special '
      + 'Administrative Region to promote IP trading and innovation in the Greater Bay Area.',
    startsAt: '2019-11-22T09:00:00+08:00', endsAt: '2019-11-24T17:00:00+08:00',
    city: 'Guangzhou', venue: 'China Import and Export Fair Complex, Pazhou',
  },
  {
    ...past, ...noRegistration, item: 14, slug: 'bip-asia-forum-2018', kind: 'forum',
    title: 'Business of IP Asia Forum 2018',
    description: BIP_ASIA,
    startsAt: '2018-12-06T09:00:00+08:00', endsAt: '2018-12-07T17:30:00+08:00',
    city: 'Hong Kong', venue: 'Hong Kong Convention and Exhibition Centre',
  },
  {
    ...past, ...noRegistration, item: 14, slug: 'bip-asia-forum-2019', kind: 'forum',
    title: 'Business of IP Asia Forum 2019',
    description: BIP_ASIA,
    startsAt: '2019-12-05T09:00:00+08:00', endsAt: '2019-12-06T17:30:00+08:00',
    city: 'Hong Kong', venue: 'Hong Kong Convention and Exhibition Centre',
  },
  {
    ...past, ...noRegistration, item: 14, slug: 'ip-trading-platforms-exchange-2019', kind: 'exchange_activity',
    title: 'Exchange activity for IP trading platforms',
    description: 'Representatives of the HKIPD, the HKTDC and the Steering Committee of the Business of IP Asia Forum '
      + 'meet IP trading platforms in Guangdong Province.',
    startsAt: '2019-09-19T14:00:00+08:00', endsAt: '2019-09-19T17:30:00+08:00',
    city: 'Guangzhou', venue: 'Guangzhou',
  },
  {
    ...past, ...noRegistration, item: 15, slug: 'gd-ip-trade-expo-2018', kind: 'expo',
    title: '2018 Guangdong IP Trade Expo cum Pearl River Forum on IP',
    description: 'The HKIPD speaks at a sub-forum on IP creation, exploitation, protection and trading.',
    startsAt: '2018-11-23T09:00:00+08:00', endsAt: '2018-11-25T17:00:00+08:00',
    city: 'Guangzhou', venue: 'China Import and Export Fair Complex, Pazhou',
  },
  {
    ...past, ...noRegistration, item: 16, slug: 'animation-copyright-fair-2018', kind: 'expo',
    title: '10th China International Animation Copyright Fair',
    description: 'Organised by the GDCAB. Attended by the HKIPD and Juris Doctor students of the City University of '
      + 'Hong Kong.',
    startsAt: '2018-11-16T09:30:00+08:00', endsAt: '2018-11-18T17:00:00+08:00',
    city: 'Dongguan', venue: 'Guangdong Modern International Exhibition Center, Houjie',
  },
  {
    ...past, item: 17, slug: 'sme-seminar-2019', kind: 'seminar',
    title: 'Guangdong/Hong Kong Seminar on IP and the Development of SMEs (Guangzhou)',
    description: 'Theme: "IP Strategies for SMEs: Seize the Innovation Development Opportunities in the Guangdong-Hong '
      + 'Kong-Macao Greater Bay Area". Helping enterprises protect and exploit their IP.',
    startsAt: '2019-09-06T09:30:00+08:00', endsAt: '2019-09-06T12:30:00+08:00',
    city: 'Guangzhou', venue: 'The Garden Hotel, Huanshi Dong Road',
    capacity: 250, registrationOpensAt: '2019-08-05T09:00:00+08:00', registrationClosesAt: '2019-09-04T18:00:00+08:00',
    attendance: {
      registered: 236, cancelled: 4, checkedIn: 198, sides: { GD: 150, HK: 40, MO: 18, CN: 16, OTHER: 12 },
    },
  },
];

const completed = { status: 'completed', capacity: null, publicRegistration: false, editDeadline: null } as const;

const hkCustoms = from('Hong Kong Customs', 'HK');
const hkipd = from('HKIPD', 'HK');
const gdCustoms = from('Guangdong Sub-administration of Customs General Administration', 'GD');
const gdipa = from('GDAMR(GDIPA)', 'GD');
const gdcab = from('GDCAB', 'GD');
const hualuogeng = from('Huizhou Hualuogeng Senior High School', 'GD');
const customsOfficers = (head: string, seniorInspectors: number) => [
  hkCustoms.head(head),
  hkCustoms.members('Superintendent of Customs and Excise'),
  hkCustoms.members('Senior Inspector of Customs and Excise', seniorInspectors),
];
const caseExchange = {
  host: 'Economic Crime Investigation Bureau of the GDPSD', hostCode: 'GDPSD',
  purpose: 'Exchange of information on individual cases; law enforcement collaboration',
};

export const PROGRAMMES: readonly ProgrammeSpec[] = [
  {
    ...completed, item: 11, slug: 'customs-criminal-enforcement-visits-2019',
    title: 'Hong Kong Customs visits on IP criminal enforcement collaboration',
    description: 'Exchanges with officers of the Economic Crime Investigation Bureau of the GDPSD on individual cases '
      + 'and on law enforcement collaboration.',
    startsOn: '2019-03-14', endsOn: '2019-08-22',
    delegations: [
      {
        name: 'Hong Kong Customs delegation to Guangzhou', lead: 'HKC&ED', from: 'HK', to: 'GD', status: 'completed',
        createdAt: '2019-02-25T10:00:00+08:00',
        members: customsOfficers('Chief Superintendent (Intellectual Property Investigation Bureau)', 2),
        visits: [{ ...caseExchange, on: '2019-03-14', at: '10:00', place: 'Guangzhou' }],
      },
      {
        name: 'Hong Kong Customs delegation to Shenzhen', lead: 'HKC&ED', from: 'HK', to: 'GD', status: 'completed',
        createdAt: '2019-07-29T10:00:00+08:00',
        members: customsOfficers('Senior Superintendent (Intellectual Property Investigation Bureau)', 3),
        visits: [{ ...caseExchange, on: '2019-08-22', at: '10:00', place: 'Shenzhen' }],
      },
    ],
  },
  {
    ...completed, item: 12, slug: 'customs-enforcement-exchange-2018-19',
    title: 'Exchange mechanism on enforcement work between the customs authorities',
    description: 'Reciprocal visits on combating the smuggling of IP infringing articles, notably by express mail.',
    startsOn: '2018-10-18', endsOn: '2019-07-12',
    delegations: [
      {
        name: 'Hong Kong Customs delegation to the Guangdong Sub-administration of Customs', lead: 'HKC&ED',
        from: 'HK', to: 'GD', status: 'completed', createdAt: '2018-09-28T10:00:00+08:00',
        members: customsOfficers('Assistant Commissioner (Intelligence and Investigation)', 3),
        visits: [
          {
            on: '2018-10-18', at: '09:30', host: 'Guangdong Sub-administration of Customs General Administration',
            hostCode: 'GACC-GD', place: 'Guangzhou',
            purpose: 'Meeting on enforcement against smuggling of IP infringing articles by express mail',
          },
          {
            on: '2018-10-18', at: '14:30', host: 'Guangzhou postal authorities', place: 'Guangzhou',
            purpose: 'Visit to postal inspection operations',
          },
          {
            on: '2018-10-19', at: '10:00', host: 'Express mail inspection site',
            place: 'Guangzhou Baiyun International Airport', purpose: 'Visit to an express mail inspection site',
          },
        ],
      },
      {
        name: 'Guangdong Sub-administration of Customs delegation to Hong Kong', lead: 'GACC-GD',
        from: 'GD', to: 'HK', status: 'completed', createdAt: '2019-06-20T10:00:00+08:00',
        members: [
          gdCustoms.head('Deputy Director-General'),
          gdCustoms.members('Division Director, Anti-smuggling', 2),
          gdCustoms.members('Enforcement Officer', 3),
        ],
        visits: [
          {
            on: '2019-07-11', at: '10:00', host: 'Hong Kong Customs', hostCode: 'HKC&ED',
            place: 'Customs Headquarters Building, North Point',
            purpose: 'High-level meeting with the Hong Kong Customs and the Macao Customs Service',
          },
          {
            on: '2019-07-12', at: '10:00', host: 'Hong Kong Customs', hostCode: 'HKC&ED',
            place: 'Air Mail Centre, Chek Lap Kok', purpose: 'Visit to operation sites',
          },
        ],
      },
    ],
  },
  {
    ...completed, item: 13, slug: 'ip-dispute-resolution-exchange-2019',
    title: 'Exchanges on IP protection assistance and diversified dispute resolution',
    description: 'Exchanges between Guangdong and Hong Kong on IP protection assistance, arbitration and mediation of '
      + 'IP disputes in the Greater Bay Area.',
    startsOn: '2019-05-23', endsOn: '2019-06-20',
    delegations: [
      {
        name: 'HKIPD representatives to Guangzhou', lead: 'HKIPD', from: 'HK', to: 'GD', status: 'completed',
        createdAt: '2019-05-02T10:00:00+08:00',
        members: [hkipd.head('Assistant Director of Intellectual Property'), hkipd.members('Senior Solicitor', 2)],
        visits: [{
          on: '2019-05-23', at: '10:00', host: 'GDAMR(GDIPA)', hostCode: 'GDAMR(GDIPA)', place: 'Guangzhou',
          purpose: 'Exchanges on IP protection assistance and the resolution of IP disputes',
        }],
      },
      {
        name: 'Guangdong delegation on IP dispute resolution', lead: 'GDAMR(GDIPA)', from: 'GD', to: 'HK',
        status: 'completed', createdAt: '2019-05-30T10:00:00+08:00',
        members: [
          gdipa.head('Deputy Director-General'),
          gdipa.members('Division Director'),
          from('Guangdong Intellectual Property Protection Center', 'GD').members('Director', 2),
          from('Guangzhou Arbitration Commission', 'GD').members('Arbitrator', 2),
          from('Guangdong IP Dispute Mediation Center', 'GD').members('Mediator', 2),
          from('Guangdong Intellectual Property Protection Association', 'GD').members('Secretary-General'),
        ],
        visits: [
          {
            on: '2019-06-19', at: '10:00', host: 'HKIPD', hostCode: 'HKIPD', place: 'Wu Chung House, Wan Chai',
            purpose: 'Briefing on the IP regime of the HKSAR and IP dispute resolution',
          },
          {
            on: '2019-06-19', at: '15:00', host: 'Hong Kong International Arbitration Centre', hostCode: 'HKIAC',
            place: 'Exchange Square, Central', purpose: 'Arbitration of IP disputes',
          },
          {
            on: '2019-06-20', at: '10:00', host: 'Hong Kong Mediation Centre', place: 'Central',
            purpose: 'Mediation of IP disputes in the context of the Greater Bay Area development',
          },
        ],
      },
    ],
  },
  {
    ...completed, item: 18, slug: 'trademark-examiners-exchange-2019',
    title: 'Trademark-related exchange activities between Guangdong and the HKSAR',
    description: 'HKIPD trademark examiners study examination criteria and the Madrid System with the Guangdong side.',
    startsOn: '2019-05-08', endsOn: '2019-05-10',
    delegations: [{
      name: 'HKIPD trademark examiners delegation', lead: 'HKIPD', from: 'HK', to: 'GD', status: 'completed',
      createdAt: '2019-04-12T10:00:00+08:00',
      members: [
        hkipd.head('Assistant Director (Trade Marks)'),
        hkipd.members('Senior Trade Marks Examiner', 2),
        hkipd.members('Trade Marks Examiner', 5),
      ],
      visits: [
        {
          on: '2019-05-08', at: '14:30', host: 'GDAMR(GDIPA)', hostCode: 'GDAMR(GDIPA)', place: 'Guangzhou',
          purpose: 'Examination criteria for trademark registration',
        },
        {
          on: '2019-05-09', at: '09:30', host: 'Trademark Examination Cooperation Guangzhou Center',
          hostCode: 'TMECGZ', place: 'Guangzhou',
          purpose: 'International trademark registration procedures under the Madrid System',
        },
      ],
    }],
  },
  {
    ...completed, item: 19, slug: 'copyright-industry-exchange-2019',
    title: 'Exchange programme for enterprises of the copyright industry in Guangdong and Hong Kong',
    description: 'Theme: "Copyright Protection and Management".',
    startsOn: '2019-08-15', endsOn: '2019-08-17',
    delegations: [{
      name: 'Guangdong copyright industry delegation', lead: 'GDCAB', from: 'GD', to: 'HK', status: 'completed',
      createdAt: '2019-07-18T10:00:00+08:00',
      members: [
        gdcab.head('Deputy Director'),
        gdcab.members('Official', 2),
        from('Guangzhou Pearl River Animation Co., Ltd.', 'GD').members('General Manager'),
        from('Shenzhen Bay Interactive Games Co., Ltd.', 'GD').members('Legal Director'),
        from('Guangdong Lingnan Publishing Group', 'GD').members('Copyright Manager'),
        from('Foshan Digital Music Co., Ltd.', 'GD').members('Chief Executive'),
        from('Dongguan Creative Toys Co., Ltd.', 'GD').members('Legal Counsel'),
        from('Guangdong Copyright Protection Association', 'GD').members('Secretary-General'),
      ],
      visits: [
        {
          on: '2019-08-15', at: '10:00', host: 'Hong Kong International Arbitration Centre', hostCode: 'HKIAC',
          place: 'Exchange Square, Central', purpose: 'Resolution of copyright disputes by arbitration',
        },
        {
          on: '2019-08-15', at: '15:00', host: 'Xiqu Centre', place: 'West Kowloon Cultural District',
          purpose: 'Copyright management in the performing arts',
        },
        {
          on: '2019-08-16', at: '10:00', host: 'Hong Kong Computer and Communications Festival',
          place: 'Causeway Bay', purpose: 'Opening ceremony',
        },
        {
          on: '2019-08-17', at: '10:00', host: 'Representatives of the Hong Kong copyright industry',
          place: 'Wan Chai', purpose: 'Exchanges on copyright protection and management',
        },
      ],
    }],
  },
  {
    ...completed, item: 20, slug: 'copyright-students-exchange-2019',
    title: 'Exchange Programme on Copyright Knowledge and Copyright Protection for Guangdong/Hong Kong Secondary '
      + 'School Students',
    description: 'Jointly organised by the GDCAB, the Hong Kong Customs and the HKIPD to instil in young people the '
      + 'value of respecting IPRs.',
    startsOn: '2019-04-12', endsOn: '2019-05-24',
    delegations: [
      {
        name: 'Hong Kong youth delegation to Huizhou', lead: 'HKC&ED', from: 'HK', to: 'GD', status: 'completed',
        createdAt: '2019-03-08T10:00:00+08:00', consentAt: '2019-03-22T18:00:00+08:00',
        members: [
          hkCustoms.head('Superintendent (Intellectual Property Investigation Bureau)'),
          hkCustoms.members('Inspector of Customs and Excise', 2),
          hkipd.members('Intellectual Property Officer'),
          from('Hong Kong secondary schools', 'HK').teachers('Teacher', 3),
          from('Hong Kong secondary schools', 'HK').students('Youth Ambassador against Internet Piracy', 20),
        ],
        visits: [
          {
            on: '2019-04-12', at: '10:00', host: 'Huizhou Hualuogeng Senior High School', hostCode: 'HZHLG',
            place: 'Huizhou', purpose: 'Exchanges with students on copyright knowledge',
          },
          {
            on: '2019-04-13', at: '15:00', host: 'Copyright Bureau of Huizhou Municipality', hostCode: 'HZCB',
            place: 'Huizhou', purpose: 'Copyright protection in Huizhou',
          },
          {
            on: '2019-04-13', at: '10:00', host: 'A consumer electronics enterprise in the IP industry',
            place: 'Zhongkai Hi-tech Zone, Huizhou', purpose: 'How an enterprise manages and protects its IP',
          },
        ],
      },
      {
        name: 'Huizhou delegation to Hong Kong', lead: 'GDCAB', from: 'GD', to: 'HK', status: 'completed',
        createdAt: '2019-04-26T10:00:00+08:00', consentAt: '2019-05-10T18:00:00+08:00',
        members: [
          gdcab.head('Division Director'),
          from('Copyright Bureau of Huizhou Municipality', 'GD').members('Deputy Director'),
          from('Education Bureau of Huizhou Municipality', 'GD').members('Section Chief'),
          from('Bureau of Taiwan, Hong Kong and Macao Affairs of Huizhou Municipality', 'GD').members('Section Chief'),
          hualuogeng.teachers('Teacher', 2),
          hualuogeng.students('Student', 12),
        ],
        visits: [
          {
            on: '2019-05-23', at: '10:00', host: 'Hong Kong Customs', hostCode: 'HKC&ED',
            place: 'Customs Headquarters Building, North Point',
            purpose: "The Department's enforcement actions and its efforts in combating IP infringements",
          },
          {
            on: '2019-05-24', at: '10:00', host: 'HKIPD', hostCode: 'HKIPD', place: 'Wu Chung House, Wan Chai',
            purpose: 'Briefing on the IP protection regime of the HKSAR',
          },
          {
            on: '2019-05-24', at: '14:30', host: 'Representatives of the Hong Kong copyright industry',
            place: 'Wan Chai', purpose: 'Exchanges with the students',
          },
        ],
      },
    ],
  },
];
