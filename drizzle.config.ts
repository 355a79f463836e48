import { defineConfig } from 'drizzle-kit';

// The schema is split by domain; src-main/db/schema.ts re-exports every domain's tables.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src-main/db/schema.ts',
  out: './migrations',
});
