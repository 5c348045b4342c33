import t from 'tap';
import { API, apiBench } from '../../../bench/api.ts';
import { cloneTemplate } from '../../helpers/database.ts';

/* The API's benchmark (bench/api.ts) in its smoke size, so that it cannot rot unnoticed; it checks what it measured. */

t.test('the API benchmark pages through every registration and loads both event reads', async (t) => {
  const handle = await cloneTemplate();
  t.teardown(() => handle.close());
  const report = await apiBench({ ...API.smoke, handle });
  t.equal(report.paging.rows, API.smoke.rows, 'every registration, once');
  t.equal(report.paging.pages, Math.ceil(API.smoke.rows / API.smoke.pageSize));
  t.ok(report.eventRead.api.requests > 0 && report.eventRead.api.statuses['200'] === report.eventRead.api.requests, 'the API read answered 200');
  t.ok(report.eventRead.html.requests > 0 && report.eventRead.html.statuses['200'] === report.eventRead.html.requests, 'so did the page');
});
