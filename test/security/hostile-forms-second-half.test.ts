import t from 'tap';
import { formsBattery } from './hostile-input.ts';

// The hostile-input battery (./hostile-input.ts) over the second half of the forms.
t.test('the second half of the forms survives hostile input', formsBattery({ part: 1, of: 2 }));
