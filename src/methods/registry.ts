// Methods by name, for the command line and configs: adding a method is its file plus one line here.
import { BarlowTwins, VICReg } from './barlow-twins.js';
import { BYOL } from './byol.js';
import { CPC } from './cpc.js';
import type { Method, MethodOptions } from './method.js';
import { MoCo } from './moco.js';
import { NNCLR } from './nnclr.js';
import { Metric } from './metric.js';
import type { MethodRecipe } from './recipe.js';
import { SimCLR } from './simclr.js';
import { SimSiam } from './simsiam.js';
import { SupCon } from './supcon.js';

/** Every method class; each declares its `recipe`, whose `name` is its `--method` name. */
const METHODS = [SimCLR, NNCLR, BYOL, SupCon, Metric, MoCo, SimSiam, BarlowTwins, VICReg, CPC] as const;

/** The method names `--method` accepts. */
export type MethodName = (typeof METHODS)[number]['recipe']['name'];
export const METHOD_NAMES = METHODS.map((M) => M.recipe.name) as [MethodName, ...MethodName[]];

const byName = new Map<string, (typeof METHODS)[number]>(METHODS.map((M) => [M.recipe.name, M]));

function lookup(who: string, name: string): (typeof METHODS)[number] {
  const M = byName.get(name);
  if (!M) throw new Error(`${who}: unknown method '${name}'; known: ${METHOD_NAMES.join(', ')}`);
  return M;
}

/** The recipe of the method named `name`; an unknown name is an error listing the known ones. */
export function recipeOf(name: string): MethodRecipe {
  return lookup('recipeOf', name).recipe;
}

/** Builds the method named `name`; an unknown name is an error listing the known ones. */
export function createMethod(name: string, o: MethodOptions): Method {
  return new (lookup('createMethod', name))(o);
}
