import t from 'tap';
import { formsBattery } from './hostile-input.ts';

// The hostile-input battery (./hostile-input.ts) over the first half of the forms.
t.test('the first half of the forms survives hostile input', formsBattery({ part: 0, of: 2 }));
