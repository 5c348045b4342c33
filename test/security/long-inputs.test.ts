import t from 'tap';
import { longInputsBattery } from './hostile-input.ts';

t.test('long inputs in every language are refused, beside their field, and store nothing', longInputsBattery);
