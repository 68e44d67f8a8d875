// Writes src/config/routes-validator.generated.ts from schemas/routes.schema.json (after a build).
import { writeFileSync } from 'node:fs';
import {
  GENERATED_URL,
  generateRoutesValidatorSource,
  readRoutesSchema,
} from '../dist/config/schema-codegen.js';

writeFileSync(GENERATED_URL, generateRoutesValidatorSource(readRoutesSchema()));
console.log(`wrote ${GENERATED_URL.pathname}`);
