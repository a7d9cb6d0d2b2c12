import { scope, type Tensor } from '../../tensor/index.js';
import { checkOptions } from '../validate.js';
import { BaseReducer, type LossDict } from './base.js';
import { MeanReducer } from './mean-reducer.js';

export interface MultipleReducersOptions {
  /** The reducer of each named sub-loss (e.g. `{ pos_loss: new SumReducer() }`). */
  reducers: Readonly<Record<string, BaseReducer>>;
  /** The reducer of the sub-losses not named in `reducers` (default `MeanReducer`). */
  defaultReducer?: BaseReducer;
}

/**
 * One reducer per sub-loss name, the results summed: each sub-loss is reduced as a one-entry
 * dict by `reducers[name]`, or by `defaultReducer` (default `MeanReducer`) when not named. As
 * pytorch-metric-learning's `MultipleReducers(reducers, default_reducer)`.
 */
export class MultipleReducers extends BaseReducer {
  readonly reducers: Readonly<Record<string, BaseReducer>>;
  readonly defaultReducer: BaseReducer;

  constructor(o: MultipleReducersOptions) {
    const who = 'MultipleReducers';
    if (o === undefined) throw new TypeError(`${who}: reducers is required`);
    const opts = checkOptions(who, o, ['reducers', 'defaultReducer']);
    super();
    const r: unknown = opts.reducers;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new TypeError(`${who}: reducers must be an object of reducers by sub-loss name`);
    for (const [k, v] of Object.entries(r)) {
      if (!(v instanceof BaseReducer)) throw new TypeError(`${who}: reducers.${k} must be a reducer (e.g. new MeanReducer())`);
    }
    if (opts.defaultReducer !== undefined && !(opts.defaultReducer instanceof BaseReducer)) {
      throw new TypeError(`${who}: defaultReducer must be a reducer (e.g. new MeanReducer())`);
    }
    this.reducers = { ...(r as Record<string, BaseReducer>) };
    this.defaultReducer = opts.defaultReducer ?? new MeanReducer();
  }

  override reduce(dict: LossDict, embeddings: Tensor, labels?: Tensor): Tensor {
    const names = Object.keys(dict);
    if (names.length === 0) throw new RangeError('MultipleReducers: nothing to reduce');
    return scope(() => {
      let total: Tensor | null = null;
      for (const name of names) {
        const reducer = Object.hasOwn(this.reducers, name) ? this.reducers[name]! : this.defaultReducer;
        const v = reducer.reduce({ [name]: dict[name]! }, embeddings, labels);
        total = total === null ? v : total.add(v);
      }
      return total!;
    });
  }

  protected reduceLosses(losses: Tensor): Tensor {
    return losses.sum(); // not reached: reduce hands each sub-loss to its reducer
  }
}
