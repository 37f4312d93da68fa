/**
 * fastify's route-schema compilers, loaded on first use.
 *
 * fastify loads its default compilers (ajv through @fastify/ajv-compiler, and fast-json-stringify)
 * when the instance is created, about 100 ms of a start-up. No route here declares a fastify schema
 * (the RPC route decodes parameters with protocol/params.ts), so they are loaded only if a route ever
 * does; such a route then gets fastify's usual compilers (one difference: fastify treats them as
 * custom compilers, so it does not lower-case the keys of a `headers` schema).
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Factories['buildValidator']>;
type SerializerFactory = NonNullable<Factories['buildSerializer']>;

/** Resolves fastify's own dependencies from fastify's folder (they are not ours). */
const requireFromFastify = (id: string): unknown => {
  const local = createRequire(import.meta.url);
  return createRequire(local.resolve('fastify'))(id);
};

let validatorFactory: ValidatorFactory | undefined;
let serializerFactory: SerializerFactory | undefined;

export const lazySchemaCompilers: Factories = {
  buildValidator: (externalSchemas, options) => {
    validatorFactory ??= (requireFromFastify('@fastify/ajv-compiler') as () => ValidatorFactory)();
    return validatorFactory(externalSchemas, options);
  },
  buildSerializer: (externalSchemas, options) => {
    serializerFactory ??= (requireFromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();
    return serializerFactory(externalSchemas, options);
  },
};
