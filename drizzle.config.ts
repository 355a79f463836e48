import { defineConfig } from 'drizzle-kit';

// The schema is split by domain; src-main/schema.ts re-exports every domain's tables.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src-main/schema.ts',
  out: './migrations',
});
