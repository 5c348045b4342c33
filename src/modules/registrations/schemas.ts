import { z } from 'zod';
import { SIDES, type Side } from '../../db/types.ts';
import { field } from '../../lib/forms.ts';

/*
 * The registration form: the built-in fields and the event's own questions, validated alike.
 * A question's answer is posted as `q_<id>` and stored keyed by the question id as a string.
 */

export type Question = { id: number; label: string; kind: 'text' | 'choice' | 'checkbox'; required: boolean; options: string[] };
export type Answers = Record<string, string | boolean>;
export type RegistrationInput = { name: string; email: string; organisation: string; side: Side; answers: Answers };

export const questionField = (q: { id: number }) => `q_${q.id}`;
export const ANSWER_MAX = 500;

function questionSchema(q: Question): z.ZodType {
  switch (q.kind) {
    case 'text':
      return q.required ? field.text('an answer', ANSWER_MAX) : field.optionalText('the answer', ANSWER_MAX);
    case 'choice': {
      const options = z.string({ error: 'Choose one of the options.' })
        .refine((v) => q.options.includes(v), { error: 'Choose one of the options.' });
      return q.required ? options : z.union([z.literal(''), options]).optional().default('');
    }
    case 'checkbox':
      return q.required ? field.checkbox('Tick this box to register.') : z.literal('on').optional();
  }
}

export const personFields = {
  name: field.text('your name', 200),
  email: field.email(),
  organisation: field.optionalText('your organisation', 200),
  side: field.choice(SIDES as unknown as readonly [Side, ...Side[]], 'Choose where you come from.'),
};

export function registrationSchema(questions: readonly Question[]) {
  const shape: Record<string, z.ZodType> = {
    ...personFields,
    consent: field.checkbox('Tick the box to agree to how your details are used, or we cannot register you.'),
  };
  for (const q of questions) shape[questionField(q)] = questionSchema(q);
  return z.object(shape).transform((data): RegistrationInput => {
    const answers: Answers = {};
    for (const q of questions) {
      const value = data[questionField(q)];
      if (q.kind === 'checkbox') answers[String(q.id)] = value === 'on';
      else if (typeof value === 'string' && value !== '') answers[String(q.id)] = value;
    }
    return {
      name: data.name as string,
      email: data.email as string,
      organisation: data.organisation as string,
      side: data.side as Side,
      answers,
    };
  });
}
