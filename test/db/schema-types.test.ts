import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import t from 'tap';
import ts from 'typescript';
import { cloneTemplate } from '../helpers/database.ts';

/*
 * src/db/types.ts is written by hand beside the migrations; this keeps the two from drifting.
 * The types are read with the TypeScript compiler (interfaces declared in several parts are
 * merged as the compiler merges them, ColumnType and Generated unwrapped to what a select
 * returns) and compared with the catalogue of the migrated test database:
 *
 * - every table has an entry in the DB interface, and every entry a table;
 * - each table's interface has exactly the table's columns, none optional;
 * - a nullable column's selected type includes null, and a NOT NULL column's does not;
 * - the selected type is what the driver returns for the column's SQL type (see src/db/index.ts:
 *   int8 and numeric as numbers, date as a 'YYYY-MM-DD' string, timestamps as Dates).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES_FILE = fileURLToPath(new URL('../../src/db/types.ts', import.meta.url));
/** Kysely's own bookkeeping, not part of the app's schema. */
const MIGRATOR_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

type CatalogueColumn = { table: string; column: string; nullable: boolean; type: string };
type TsColumn = { name: string; optional: boolean; select: ts.Type };

/** What the driver hands back for a column, by information_schema's data_type; unlisted types are not checked. */
const FAMILIES: Record<string, 'boolean' | 'number' | 'string' | 'Date'> = {
  boolean: 'boolean',
  smallint: 'number', integer: 'number', bigint: 'number', numeric: 'number', real: 'number', 'double precision': 'number',
  text: 'string', 'character varying': 'string', character: 'string', uuid: 'string', inet: 'string', date: 'string',
  'time without time zone': 'string',
  'timestamp with time zone': 'Date', 'timestamp without time zone': 'Date',
};

async function catalogue(): Promise<Map<string, CatalogueColumn[]>> {
  const handle = await cloneTemplate();
  try {
    const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: string; data_type: string }>`
      select c.table_name, c.column_name, c.is_nullable, c.data_type
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public'
      order by c.table_name, c.ordinal_position
    `.execute(handle.db);
    const tables = new Map<string, CatalogueColumn[]>();
    for (const row of rows) {
      if (MIGRATOR_TABLES.has(row.table_name)) continue;
      const columns = tables.get(row.table_name) ?? [];
      columns.push({ table: row.table_name, column: row.column_name, nullable: row.is_nullable === 'YES', type: row.data_type });
      tables.set(row.table_name, columns);
    }
    return tables;
  } finally {
    await handle.close();
  }
}

/** The project's compiler options, with only what types.ts needs loaded. */
function program(): ts.Program {
  const configPath = ts.findConfigFile(ROOT, (file) => ts.sys.fileExists(file), 'tsconfig.json');
  if (!configPath) throw new Error('no tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  return ts.createProgram({ rootNames: [TYPES_FILE], options: { ...options, types: [], noEmit: true } });
}

function declaredTables(checker: ts.TypeChecker, source: ts.SourceFile): Map<string, TsColumn[]> {
  const module = checker.getSymbolAtLocation(source);
  const db = module && checker.getExportsOfModule(module).find((symbol) => symbol.name === 'DB');
  if (!db) throw new Error('src/db/types.ts exports no DB interface');
  const tables = new Map<string, TsColumn[]>();
  for (const table of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(db))) {
    const columns = checker.getPropertiesOfType(checker.getTypeOfSymbol(table)).map((column) => {
      const type = checker.getTypeOfSymbol(column);
      // ColumnType<S, I, U> (and Generated<S>, built on it) is { __select__: S, … }: a select returns S.
      const selected = type.getProperty('__select__');
      return {
        name: column.name,
        optional: (column.flags & ts.SymbolFlags.Optional) !== 0,
        select: selected ? checker.getTypeOfSymbol(selected) : type,
      };
    });
    tables.set(table.name, columns);
  }
  return tables;
}

const parts = (type: ts.Type): ts.Type[] => (type.isUnion() ? type.types : [type]);
const isNull = (type: ts.Type) => (type.flags & ts.TypeFlags.Null) !== 0;
const isOpen = (type: ts.Type) => (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;

/** Why a selected type does not fit the column, or null when it does. */
function misfit(checker: ts.TypeChecker, column: CatalogueColumn, select: ts.Type): string | null {
  const shown = checker.typeToString(select);
  if (isOpen(select)) return null; // unknown / any: the code must check whatever it reads
  const admitsNull = parts(select).some(isNull);
  if (column.nullable && !admitsNull) return `nullable in the database, but its type ${shown} does not include null`;
  if (!column.nullable && admitsNull) return `NOT NULL in the database, but its type ${shown} includes null`;
  const family = FAMILIES[column.type];
  if (!family) return null;
  const target = family === 'boolean' ? checker.getBooleanType() : family === 'number' ? checker.getNumberType() : family === 'string' ? checker.getStringType() : null;
  const fits = (part: ts.Type) => isNull(part)
    || (target ? checker.isTypeAssignableTo(part, target) : part.getSymbol()?.name === 'Date');
  return parts(select).every(fits) ? null : `${column.type} in the database (read as ${family}), but its type is ${shown}`;
}

t.test('src/db/types.ts declares exactly the migrated schema', async (t) => {
  const [tables, compiled] = [await catalogue(), program()];
  const source = compiled.getSourceFile(TYPES_FILE);
  if (!source) throw new Error(`cannot read ${TYPES_FILE}`);
  const diagnostics = ts.getPreEmitDiagnostics(compiled, source);
  t.same(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), [], 'types.ts compiles: no type is silently any');
  const checker = compiled.getTypeChecker();
  const declared = declaredTables(checker, source);
  t.ok(tables.size > 10 && declared.size > 10, `${tables.size} tables in the database, ${declared.size} in DB`);

  const drift: string[] = [];
  for (const name of tables.keys()) if (!declared.has(name)) drift.push(`table ${name}: in the database, missing from DB`);
  for (const name of declared.keys()) if (!tables.has(name)) drift.push(`DB.${name}: no such table in the database`);

  for (const [table, columns] of tables) {
    const types = declared.get(table);
    if (!types) continue;
    const byName = new Map(types.map((c) => [c.name, c]));
    for (const column of columns) {
      const type = byName.get(column.column);
      if (!type) {
        drift.push(`${table}.${column.column}: in the database (${column.type}${column.nullable ? ', nullable' : ''}), missing from the interface`);
        continue;
      }
      if (type.optional) drift.push(`${table}.${column.column}: declared optional (?:), but a row always has every column`);
      const why = misfit(checker, column, type.select);
      if (why) drift.push(`${table}.${column.column}: ${why}`);
    }
    const inDatabase = new Set(columns.map((c) => c.column));
    for (const type of types) if (!inDatabase.has(type.name)) drift.push(`${table}.${type.name}: in the interface, no such column in the database`);
  }
  t.same(drift, [], 'no drift between src/db/types.ts and the database');
});
