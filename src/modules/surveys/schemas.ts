import { z } from 'zod';
import { SURVEY_QUESTION_KINDS, type SurveyQuestionKind, type SurveyStatus } from '../../db/types.ts';
import { cleanText, type FormErrors, type FormValues, parseForm } from '../../lib/forms.ts';
import { type Message, message } from '../../lib/i18n.ts';
import { localDateTime, zonedToDate } from '../events/schemas.ts';

/* The survey builder's form and the participant's answers, read into plain data or errors beside their fields. */

export const MAX_QUESTIONS = 20;
/** Empty rows offered below the questions, to add new ones. */
export const BLANK_QUESTIONS = 2;
export const PROMPT_MAX = 500;
export const OPTION_MAX = 200;
export const MAX_OPTIONS = 12;
export const INTRO_MAX = 2000;
export const ANSWER_MAX = 2000;

export type SurveyQuestionInput = {
  /** The stored question this row edits; null for a new one. */
  id: number | null;
  kind: SurveyQuestionKind;
  prompt: string;
  promptZh: string;
  options: string[];
  optionsZh: string[];
  required: boolean;
  /** The form field its errors go beside (`question_prompt_3`). */
  row: number;
};

export type SurveyInput = {
  status: SurveyStatus;
  closes_at: Date;
  intro: string;
  introZh: string;
  questions: SurveyQuestionInput[];
};

const settings = z.object({
  status: z.enum(['draft', 'open'], { error: 'surveys.errors.status' }),
  closes_at: localDateTime({ missing: 'surveys.errors.closes', format: 'surveys.errors.closesFormat' }),
  intro: z.string().max(INTRO_MAX, 'surveys.errors.introLength').optional().default(''),
  intro_zh_hant: z.string().max(INTRO_MAX, 'surveys.errors.introLength').optional().default(''),
});

/** What was posted, cleaned as every form is. */
const formValues = (body: unknown): FormValues => {
  const read = parseForm(z.looseObject({}), body);
  return (read.ok ? read.data : read.values) as FormValues;
};

const lines = (text: string) => text.split('\n').map(cleanText).filter(Boolean);

/** The numbered question rows of the form, in the order their position numbers give. */
function questionRows(values: FormValues, errors: FormErrors): SurveyQuestionInput[] {
  const found: (SurveyQuestionInput & { position: number })[] = [];
  for (let n = 0; n < MAX_QUESTIONS + BLANK_QUESTIONS; n++) {
    const text = (name: string) => { const v = values[`question_${name}_${n}`]; return typeof v === 'string' ? v : ''; };
    const prompt = text('prompt');
    const promptZh = text('prompt_zh_hant');
    const options = lines(text('options'));
    const optionsZh = lines(text('options_zh_hant'));
    // A row left blank is no question (a stored one is removed).
    if (!prompt && !promptZh && options.length === 0 && optionsZh.length === 0) continue;
    const at = (name: string, error: Message) => { errors[`question_${name}_${n}`] ??= error; };
    const kind = SURVEY_QUESTION_KINDS.find((k) => k === text('kind'));
    const choice = kind === 'single' || kind === 'multiple';
    if (!prompt) at('prompt', 'surveys.errors.prompt');
    else if (prompt.length > PROMPT_MAX) at('prompt', message('surveys.errors.promptLength', { max: PROMPT_MAX }));
    if (promptZh.length > PROMPT_MAX) at('prompt_zh_hant', message('surveys.errors.promptLength', { max: PROMPT_MAX }));
    if (!kind) at('kind', 'surveys.errors.kind');
    if (choice && options.length < 2) at('options', 'surveys.errors.options');
    else if (options.length > MAX_OPTIONS || options.some((o) => o.length > OPTION_MAX)) {
      at('options', message('surveys.errors.optionsLength', { options: MAX_OPTIONS, max: OPTION_MAX }));
    }
    if (choice && optionsZh.length > 0 && optionsZh.length !== options.length) {
      at('options_zh_hant', message('surveys.errors.optionsZhCount', { n: options.length }));
    } else if (optionsZh.some((o) => o.length > OPTION_MAX)) {
      at('options_zh_hant', message('surveys.errors.optionsLength', { options: MAX_OPTIONS, max: OPTION_MAX }));
    }
    const positionText = text('position');
    const position = /^\d{1,2}$/.test(positionText) && Number(positionText) > 0 ? Number(positionText) : null;
    if (positionText && position === null) at('position', message('surveys.errors.position', { max: 99 }));
    found.push({
      id: /^\d{1,9}$/.test(text('id')) ? Number(text('id')) : null,
      kind: kind ?? 'text', prompt, promptZh, options: choice ? options : [], optionsZh: choice ? optionsZh : [],
      required: text('required') === 'on', row: n, position: position ?? n + 1,
    });
  }
  if (found.length > MAX_QUESTIONS) errors._form = message('surveys.errors.questionsMax', { max: MAX_QUESTIONS });
  // Stable: rows with the same number keep the order they are shown in.
  return found.sort((a, b) => a.position - b.position || a.row - b.row).map(({ position: _p, ...q }) => q);
}

export function parseSurveyForm(
  body: unknown, timezone: string, eventEndsAt: Date,
): { ok: true; data: SurveyInput } | { ok: false; errors: FormErrors; values: FormValues } {
  const form = parseForm(settings, body);
  const values = form.ok ? formValues(body) : form.values;
  const errors: FormErrors = form.ok ? {} : { ...form.errors };
  const questions = questionRows(values, errors);
  if (form.ok) {
    const closes = zonedToDate(form.data.closes_at, timezone);
    if (Number.isNaN(closes.getTime())) errors.closes_at = 'surveys.errors.closesFormat';
    else if (closes <= eventEndsAt) errors.closes_at = 'surveys.errors.closesBeforeEnd';
    if (form.data.status === 'open' && questions.length === 0) errors._form = 'surveys.errors.noQuestions';
    if (Object.keys(errors).length === 0) {
      return {
        ok: true,
        data: { status: form.data.status, closes_at: closes, intro: form.data.intro, introZh: form.data.intro_zh_hant, questions },
      };
    }
  }
  return { ok: false, errors, values };
}

/** A stored question as the participant's form and the results need it. */
export type SurveyQuestion = {
  id: number; position: number; kind: SurveyQuestionKind; prompt: string; options: string[]; required: boolean;
};

export type Answer = { question_id: number; rating: number | null; choices: number[] | null; text: string | null };

/**
 * The participant's answers (`answer_<question id>`), checked against the questions: a required
 * question unanswered, a rating outside 1–5, a choice that is not offered. Unanswered optional
 * questions give no row.
 */
export function parseAnswers(
  body: unknown, questions: readonly SurveyQuestion[],
): { ok: true; answers: Answer[] } | { ok: false; errors: FormErrors; values: FormValues } {
  const values = formValues(body);
  const errors: FormErrors = {};
  const answers: Answer[] = [];
  for (const q of questions) {
    const key = `answer_${q.id}`;
    const raw = values[key];
    const list = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter(Boolean);
    if (list.length === 0) {
      if (q.required) errors[key] = q.kind === 'text' ? 'surveys.errors.answerText' : 'surveys.errors.answerChoose';
      continue;
    }
    const index = (v: string) => (/^\d{1,2}$/.test(v) && Number(v) < q.options.length ? Number(v) : null);
    switch (q.kind) {
      case 'rating': {
        const rating = /^[1-5]$/.test(list[0] ?? '') && list.length === 1 ? Number(list[0]) : null;
        if (rating === null) errors[key] = 'surveys.errors.answerChoose';
        else answers.push({ question_id: q.id, rating, choices: null, text: null });
        break;
      }
      case 'single': {
        const chosen = list.length === 1 ? index(list[0] ?? '') : null;
        if (chosen === null) errors[key] = 'surveys.errors.answerChoose';
        else answers.push({ question_id: q.id, rating: null, choices: [chosen], text: null });
        break;
      }
      case 'multiple': {
        const chosen = list.map(index);
        if (chosen.some((c) => c === null)) errors[key] = 'surveys.errors.answerChoose';
        else answers.push({ question_id: q.id, rating: null, choices: [...new Set(chosen as number[])].sort((a, b) => a - b), text: null });
        break;
      }
      case 'text': {
        const text = list.join('\n');
        if (text.length > ANSWER_MAX) errors[key] = message('surveys.errors.answerLength', { max: ANSWER_MAX });
        else answers.push({ question_id: q.id, rating: null, choices: null, text });
        break;
      }
    }
  }
  return Object.keys(errors).length ? { ok: false, errors, values } : { ok: true, answers };
}
