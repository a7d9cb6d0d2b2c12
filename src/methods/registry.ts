// Methods by name, for the command line and configs.
import { BarlowTwins, VICReg } from './barlow-twins.js';
import { BYOL } from './byol.js';
import { type Method, METHOD_NAMES, type MethodName, type MethodOptions } from './method.js';
import { MoCo } from './moco.js';
import { NNCLR } from './nnclr.js';
import { SimCLR } from './simclr.js';
import { SimSiam } from './simsiam.js';
import { SupCon } from './supcon.js';

const METHODS: Record<MethodName, new (o: MethodOptions) => Method> = {
  simclr: SimCLR, nnclr: NNCLR, byol: BYOL, supcon: SupCon, moco: MoCo, simsiam: SimSiam, barlowtwins: BarlowTwins, vicreg: VICReg,
};

/** Builds the method named `name`; an unknown name is an error listing the known ones. */
export function createMethod(name: string, o: MethodOptions): Method {
  const M = METHODS[name as MethodName];
  if (!M) throw new Error(`unknown method '${name}'; known: ${METHOD_NAMES.join(', ')}`);
  return new M(o);
}
