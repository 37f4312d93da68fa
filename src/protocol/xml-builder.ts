/**
 * xmlbuilder2, loaded on first use. The serializer writes the common documents itself and only
 * needs the builder for unusual element names, so start-up no longer pays for importing it
 * (~100 ms of the emulator's start-up on the benchmark machine).
 */
import { createRequire } from 'node:module';
import type * as XmlBuilder2 from 'xmlbuilder2';

let loaded: typeof XmlBuilder2 | undefined;

function xmlbuilder2(): typeof XmlBuilder2 {
  loaded ??= createRequire(import.meta.url)('xmlbuilder2') as typeof XmlBuilder2;
  return loaded;
}

/** xmlbuilder2's `create`, with the same overloads. */
export const create: typeof XmlBuilder2.create = ((...args: unknown[]) =>
  (xmlbuilder2().create as (...a: unknown[]) => unknown)(...args)) as typeof XmlBuilder2.create;
