/** Start-up helper shared by every entry point: load `.env`, validate, or print the problems and exit 2. */
import dotenv from 'dotenv';
import { ConfigError } from '../errors.ts';
import { describeConfigProblems, loadConfig, type Config, type Needs } from './config.ts';

/** Exit code for "the settings are wrong", distinct from crashes (1). */
export const EXIT_CONFIG = 2;

/** Loads settings for a command-line entry point; on bad settings prints why and exits with code 2. */
export function loadConfigOrExit(needs: Needs, what: string): Config {
  dotenv.config({ quiet: true });
  try {
    return loadConfig(process.env, needs);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Cannot ${what}: ${describeConfigProblems(error)}\n`);
    process.exit(EXIT_CONFIG);
  }
}
