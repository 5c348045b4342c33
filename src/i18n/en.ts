/*
 * The interface in English: the reference catalogue. Every key here must exist in zh-Hant.ts
 * (the type-check and test/lib/i18n.test.ts both fail otherwise). `{name}` marks a value filled
 * in at run time.
 */
export const messages = {
  'layout.skip': 'Skip to main content',
  'layout.group': 'Guangdong/Hong Kong Expert Group on the Protection of IPRs',
  'layout.nav.main': 'Main',
  'layout.nav.periods': 'Programme years',
  'layout.nav.events': 'Events',
  'layout.nav.judging': 'Judging',
  'layout.nav.manage': 'Manage',
  'layout.nav.account': 'Account',
  'layout.nav.signIn': 'Sign in',
  'layout.nav.signOut': 'Sign out',
  'layout.language': 'Language',
  'layout.footer.programme': 'The co-operation programme of the Guangdong/Hong Kong Expert Group on the Protection of Intellectual Property Rights.',
  'layout.footer.times': 'Times are Hong Kong time (UTC+8).',

  'error.label': 'Error {status}',
  'error.home': 'Go to the home page',
  'error.400': 'That request could not be understood',
  'error.401': 'Please sign in',
  'error.405': 'That cannot be done here',
  'error.409': 'That cannot be done now',
  'error.403': 'Not allowed',
  'error.404': 'Page not found',
  'error.413': 'Too much data',
  'error.415': 'That form could not be read',
  'error.429': 'Too many requests',
  'error.500': 'Something went wrong',
  'error.503': 'Temporarily unavailable',
  'error.notFound': 'We could not find that page.',
  'error.server': 'Something went wrong on our side. Please try again in a moment.',
  'error.busy': 'The service is busy or briefly unavailable. Please try again in a few seconds.',
  'error.csrf': 'This form has expired or did not come from this site. Go back, reload the page and try again.',
};
