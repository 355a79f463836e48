/** The build's version, shown in About and written to backups' names. Kept in step with package.json by a test. */
export const VERSION = '0.1.0';
