/*
 * The reference page (/api/docs) is written from the OpenAPI document itself, by the app, with
 * no script: nothing is fetched from elsewhere and the page holds to the site's CSP.
 */

type Schema = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type Operation = {
  summary?: string; description?: string; tags?: string[]; parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
type Document = { info: { title: string; version: string; description?: string }; tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, Operation>> };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

const typeOf = (schema: Schema | undefined): string => {
  if (!schema) return '';
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map(text).join(' | ');
  const type = Array.isArray(schema.type) ? (schema.type as unknown[]).map(text).join(' | ') : text(schema.type);
  return schema.format ? `${type} (${text(schema.format)})` : type;
};

const firstSchema = (content: Record<string, { schema?: Schema }> | undefined) => {
  const [type, body] = Object.entries(content ?? {})[0] ?? [];
  return type ? { type, schema: JSON.stringify(body?.schema ?? {}, null, 2) } : null;
};

/** The document as the page lists it: tags in order, each with its operations. */
export function docsModel(document: unknown) {
  const doc = document as Document;
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) => METHODS.filter((m) => methods[m]).map((method) => {
    const op = methods[method] as Operation;
    return {
      id: `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-'),
      method: method.toUpperCase(), path, summary: op.summary ?? '', description: op.description ?? '', tag: op.tags?.[0] ?? '',
      parameters: (op.parameters ?? []).map((p) => ({
        name: p.name, in: p.in, required: Boolean(p.required), type: typeOf(p.schema),
        description: p.description ?? text(p.schema?.description),
      })),
      body: firstSchema(op.requestBody?.content),
      responses: Object.entries(op.responses ?? {})
        .map(([status, r]) => ({ status, description: r.description ?? '', body: firstSchema(r.content) })),
    };
  }));
  const tags = (doc.tags ?? []).map((t) => ({ ...t, operations: operations.filter((o) => o.tag === t.name) }));
  return { info: doc.info, paragraphs: (doc.info.description ?? '').split(/\n\n+/), tags };
}
