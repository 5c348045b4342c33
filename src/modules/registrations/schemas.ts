import { z } from 'zod';
import { SIDES, type Side } from '../../db/types.ts';
import { field } from '../../lib/forms.ts';
import type { Question } from '../events/schemas.ts';

/*
 * The registration form: the built-in fields and the event's own questions, validated alike.
 * A question's answer is posted as `q_<id>` and stored keyed by the question id as a string.
 */

export type Answers = Record<string, string | boolean>;
export type RegistrationInput = { name: string; email: string; organisation: string; side: Side; answers: Answers };

export const questionField = (q: { id: number }) => `q_${q.id}`;
export const ANSWER_MAX = 500;

function questionSchema(q: Question): z.ZodType {
  switch (q.kind) {
    case 'text':
      return q.required
        ? field.text({ missing: 'participant.errors.answer', tooLong: 'participant.errors.answerLong' }, ANSWER_MAX)
        : field.optionalText('participant.errors.answerLong', ANSWER_MAX);
    case 'choice': {
      const options = z.string({ error: 'participant.errors.option' })
        .refine((v) => q.options.includes(v), { error: 'participant.errors.option' });
      return q.required ? options : z.union([z.literal(''), options]).optional().default('');
    }
    case 'checkbox':
      return q.required ? field.checkbox('participant.errors.tickToRegister') : z.literal('on').optional();
  }
}

/** The sides as the non-empty tuple a choice field takes. */
export const SIDE_CHOICES = SIDES as unknown as readonly [Side, ...Side[]];

export const personFields = {
  name: field.text({ missing: 'participant.errors.name', tooLong: 'participant.errors.nameLong' }, 200),
  email: field.email(),
  organisation: field.optionalText('participant.errors.organisationLong', 200),
  side: field.choice(SIDE_CHOICES, 'participant.errors.side'),
};

export function registrationSchema(questions: readonly Question[]) {
  const shape: Record<string, z.ZodType> = {
    ...personFields,
    consent: field.checkbox('participant.errors.consent'),
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
