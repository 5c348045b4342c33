import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';

/*
 * Holds every API answer a test receives to what the OpenAPI document says of it: the status is
 * one the operation documents, the content type is the documented one, and the body validates
 * against the documented JSON Schema (draft 2020-12, as OpenAPI 3.1 uses).
 */

type Content = Record<string, { schema?: object }>;
type Operation = { responses?: Record<string, { content?: Content }> };
export type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>> };

export type ResponseCheck = (method: string, url: string, res: LightMyRequestResponse) => string[];

/** The documented path template an address matches (`/api/v1/events/:slug` for `/api/v1/events/x`). */
function templateOf(doc: OpenApiDocument, path: string): string | undefined {
  const segments = path.split('/');
  return Object.keys(doc.paths).find((template) => {
    const parts = template.split('/');
    return parts.length === segments.length && parts.every((p, i) => /^\{.+\}$/.test(p) || p === segments[i]);
  });
}

/** A checker over the app's own document: it returns what is wrong with an answer (nothing: it matches). */
export async function responseChecker(app: FastifyInstance): Promise<{ document: OpenApiDocument; check: ResponseCheck }> {
  const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  const document = res.json<OpenApiDocument>();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<object, ReturnType<typeof ajv.compile>>();
  const check: ResponseCheck = (method, url, response) => {
    const path = url.split('?')[0] ?? url;
    const template = templateOf(document, path);
    if (!template) return [`${path} is not documented`];
    const operation = document.paths[template]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${template} is not documented`];
    if (response.statusCode === 304) return [];
    const documented = operation.responses?.[String(response.statusCode)];
    if (!documented) return [`${method} ${template}: status ${response.statusCode} is not documented`];
    if (!documented.content) return response.body === '' ? [] : [`${method} ${template} ${response.statusCode}: a body where none is documented`];
    const type = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
    const schema = documented.content[type]?.schema;
    if (!schema) return [`${method} ${template} ${response.statusCode}: content type ${type} is not documented`];
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    if (validate(JSON.parse(response.body))) return [];
    return (validate.errors ?? []).map((e) => `${method} ${template} ${response.statusCode}: ${e.instancePath} ${e.message ?? ''}`);
  };
  return { document, check };
}
