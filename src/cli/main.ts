import { ConfigError } from '../config.ts';
import { DatabaseUnavailableError } from '../db/index.ts';
import { MigrationError } from '../db/migrate.ts';

/** Runs a command; problems the operator can fix end it with one clear line, not a stack trace. */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DatabaseUnavailableError || error instanceof MigrationError) {
      process.stderr.write(`ipcoop: ${error.message}\n`);
    } else {
      process.stderr.write(`ipcoop: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  }
}
