// Multi-view presets with the papers' defaults.
import { checkRgb, type Rgb } from './bands.js';
import { checkSize } from './check.js';
import { GaussianBlur, simclrKernelSize } from './blur.js';
import { ColorJitter, type ColorJitterOptions } from './color-jitter.js';
import { Compose, type ComposeStep } from './compose.js';
import { RandomVerticalFlip } from './flip.js';
import { RandomGrayscale } from './grayscale.js';
import { Normalize } from './normalize.js';
import { RandomResizedCrop } from './resized-crop.js';
import { RandomSolarize } from './solarize.js';
import { RandomBandDropout, RandomBandNoise } from './spectral.js';
import { tsSimclr, tsStrong, tsWeak } from './sequence/presets.js';
import type { Augmentation, PresetOptions } from './types.js';
import { TwoViews } from './views.js';

/** Jitter factors per unit of strength s: SimCLR's (appendix A) unless a preset gives its own. */
interface JitterFactors { brightness: number; contrast: number; saturation?: number; hue?: number }
const SIMCLR_JITTER: JitterFactors = { brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 };

/** Colour jitter of strength `s` at p 0.8, or none when s is 0; `extra` adds `rgb`, `perBand`, `clamp`. */
function jitter(s: number, f: JitterFactors = SIMCLR_JITTER, extra: Pick<ColorJitterOptions, 'rgb' | 'perBand' | 'clamp'> = {}): ComposeStep[] {
  if (!Number.isFinite(s) || s < 0) throw new RangeError(`presets: colorStrength must be a finite number >= 0, got ${s}`);
  if (s === 0) return [];
  return [new ColorJitter({
    brightness: f.brightness * s, contrast: f.contrast * s,
    saturation: f.saturation === undefined ? undefined : f.saturation * s,
    hue: f.hue === undefined ? undefined : Math.min(0.5, f.hue * s),
    p: 0.8, ...extra,
  })];
}

function withNormalize(steps: ComposeStep[], o: PresetOptions): Compose {
  return new Compose(o.normalize ? [...steps, new Normalize(o.normalize)] : steps);
}

/**
 * SimCLR's augmentation (Chen et al. 2020, appendix A): random crop (area 0.08-1, ratio 3/4-4/3)
 * resized to `size` (default 224), horizontal flip p 0.5, colour jitter (brightness, contrast,
 * saturation 0.8, hue 0.2: strength s = 1) applied with p 0.8, grayscale p 0.2, Gaussian blur
 * (kernel 10% of the side, sigma 0.1-2.0) p 0.5; the same pipeline for both views.
 */
export function simclr(o: PresetOptions = {}): TwoViews {
  const size = checkSize('simclr', o.size ?? 224);
  const rgb = checkRgb('simclr', o.rgb);
  const t = withNormalize([
    new RandomResizedCrop({ size, scale: o.cropScale ?? [0.08, 1], hflip: 0.5 }), // crop, then flip p 0.5 (fused)
    ...jitter(o.colorStrength ?? 1, SIMCLR_JITTER, { rgb }),
    new RandomGrayscale({ p: 0.2, rgb }),
    new GaussianBlur({ kernelSize: simclrKernelSize(Math.min(...size)), sigma: [0.1, 2.0], p: 0.5 }),
  ], o);
  return new TwoViews(t);
}

/**
 * BYOL's asymmetric views (Grill et al. 2020, table 6): both crop (0.08-1) resized to `size`,
 * flip p 0.5, colour jitter (brightness 0.4, contrast 0.4, saturation 0.2, hue 0.1) p 0.8,
 * grayscale p 0.2; Gaussian blur (kernel 10% of the side, sigma 0.1-2.0) p 1.0 for view 1 and
 * 0.1 for view 2; solarization p 0 for view 1 and 0.2 for view 2.
 */
export function byol(o: PresetOptions = {}): TwoViews {
  const size = checkSize('byol', o.size ?? 224);
  const rgb = checkRgb('byol', o.rgb);
  const view = (blurP: number, solarizeP: number): Compose => {
    const steps: ComposeStep[] = [
      new RandomResizedCrop({ size, scale: o.cropScale ?? [0.08, 1], hflip: 0.5 }),
      ...jitter(o.colorStrength ?? 0.5, { brightness: 0.8, contrast: 0.8, saturation: 0.4, hue: 0.2 }, { rgb }),
      new RandomGrayscale({ p: 0.2, rgb }),
      new GaussianBlur({ kernelSize: simclrKernelSize(Math.min(...size)), sigma: [0.1, 2.0], p: blurP }),
    ];
    if (solarizeP > 0) steps.push(new RandomSolarize({ threshold: 0.5, p: solarizeP }));
    return withNormalize(steps, o);
  };
  return new TwoViews(view(1.0, 0), view(0.1, 0.2));
}


/**
 * Small-image preset for 32x32 RGB (CIFAR-10), as SimCLR's CIFAR-10 experiments (appendix B.9):
 * the same crop and flip, colour strength s = 0.5 (jitter 0.4, 0.4, 0.4, 0.1 at p 0.8),
 * grayscale p 0.2, and no Gaussian blur.
 */
export function cifar32(o: PresetOptions = {}): TwoViews {
  const size = checkSize('cifar32', o.size ?? 32);
  const rgb = checkRgb('cifar32', o.rgb);
  return new TwoViews(withNormalize([
    new RandomResizedCrop({ size, scale: o.cropScale ?? [0.08, 1], hflip: 0.5 }),
    ...jitter(o.colorStrength ?? 0.5, SIMCLR_JITTER, { rgb }),
    new RandomGrayscale({ p: 0.2, rgb }),
  ], o));
}

/**
 * Small-image preset for 28x28 grayscale (Fashion-MNIST, MNIST). No paper fixes one: this is
 * our choice, SimCLR's recipe cut to what a 28x28 single-channel image supports: crop area
 * 0.2-1 (0.08 of 784 pixels is a 8x8 patch), flip p 0.5, brightness and contrast jitter 0.8 at
 * p 0.8 (strength s = 1, as lightly's SimCLRTransform; saturation, hue and grayscale do nothing
 * on one channel), no blur.
 */
export function mnist28(o: PresetOptions = {}): TwoViews {
  const size = checkSize('mnist28', o.size ?? 28);
  return new TwoViews(withNormalize([
    new RandomResizedCrop({ size, scale: o.cropScale ?? [0.2, 1], hflip: 0.5 }),
    ...jitter(o.colorStrength ?? 1, { brightness: 0.8, contrast: 0.8 }, { rgb: checkRgb('mnist28', o.rgb) }),
  ], o));
}

/** Jitter factors of `multispectral` per unit of strength: SSL4EO-S12's brightness and contrast 0.4. */
const SPECTRAL_JITTER: JitterFactors = { brightness: 0.4, contrast: 0.4 };

/**
 * Two views of standardised C-band images ((x - mean) / std per band, e.g. Sentinel-2's 13
 * bands), after SSL4EO-S12's pretraining augmentation (Wang et al. 2022: crop area 0.2-1,
 * brightness and contrast 0.4 at p 0.8, blur sigma 0.1-2.0 at p 0.5, horizontal flip, band
 * dropout), in the
 * remote-sensing SSL setting of SeCo (Mañas et al. 2021). Both views: random crop (area 0.2-1,
 * ratio 3/4-4/3) resized to `size` (default 224), horizontal flip p 0.5, vertical flip p 0.5
 * (overhead imagery has no up), brightness and contrast jitter 0.4 s (`colorStrength` s,
 * default 1) with factors drawn per band and contrast about each band's mean, no clamping,
 * p 0.8; with `rgb` declared, grayscale p 0.2 on those three bands (SimCLR's colour cue on the
 * visible bands; SSL4EO-S12 instead averages all bands at p 0.2, which erases the spectrum the
 * dropout below already perturbs); Gaussian blur (kernel 10% of the side, sigma 0.1-2.0) p 0.5;
 * per-band Gaussian noise, sigma uniform in [0, 0.1] (band standard deviations), p 0.5; and band
 * dropout (1 to C / 2 bands set to 0, the band mean; SSL4EO-S12 uses 1 to 6 of 13 at p 0.5) p 0.2,
 * last so that dropped bands are exactly the mean. Saturation and hue are left out: they have
 * no meaning beyond three bands.
 */
export function multispectral(o: PresetOptions = {}): TwoViews {
  const size = checkSize('multispectral', o.size ?? 224);
  const rgb: Rgb | undefined = checkRgb('multispectral', o.rgb);
  return new TwoViews(withNormalize([
    new RandomResizedCrop({ size, scale: o.cropScale ?? [0.2, 1], hflip: 0.5 }),
    new RandomVerticalFlip({ p: 0.5 }),
    ...jitter(o.colorStrength ?? 1, SPECTRAL_JITTER, { perBand: true, clamp: false, rgb }),
    ...(rgb ? [new RandomGrayscale({ p: 0.2, rgb })] : []),
    new GaussianBlur({ kernelSize: simclrKernelSize(Math.min(...size)), sigma: [0.1, 2.0], p: 0.5 }),
    new RandomBandNoise({ std: [0, 0.1], p: 0.5 }),
    new RandomBandDropout({ p: 0.2 }),
  ], o));
}

/** The crop area range of `light`: most of the image, so a label stays true of its view. */
export const LIGHT_CROP_SCALE = [0.6, 1] as const;

/**
 * The light single-view augmentation of supervised fine-tuning: for images a random resized crop
 * of 60-100% of the area (ratio 3/4-4/3) and a horizontal flip p 0.5, as torchvision's
 * classification references train ("RandomResizedCrop, RandomHorizontalFlip"), with a smaller
 * crop range than their 0.08-1 so that a 28x28 item keeps its class; for sequences TS-TCC's weak
 * augmentation (jitter and scaling: `tsWeak`).
 */
export function light(kind: 'image' | 'sequence', o: PresetOptions = {}): Augmentation {
  if (kind === 'sequence') return tsWeak(o).first;
  return withNormalize([new RandomResizedCrop({ size: checkSize('light', o.size ?? 28), scale: o.cropScale ?? LIGHT_CROP_SCALE, hflip: 0.5 })], o);
}

/** The presets by name (for the CLI and configs): the image presets, then the sequence presets. */
export const PRESETS = { simclr, byol, cifar32, mnist28, multispectral, 'ts-weak': tsWeak, 'ts-strong': tsStrong, 'ts-simclr': tsSimclr } as const;
export type PresetName = keyof typeof PRESETS;

/** What each preset augments: images (N, C, H, W) or sequences (N, T, C). */
export const PRESET_INPUTS: Readonly<Record<PresetName, 'image' | 'sequence'>> = {
  simclr: 'image', byol: 'image', cifar32: 'image', mnist28: 'image', multispectral: 'image', 'ts-weak': 'sequence', 'ts-strong': 'sequence', 'ts-simclr': 'sequence',
};

/** A preset by name, e.g. `preset('simclr', { size: 96 })` or `preset('ts-simclr')`. */
export function preset(name: PresetName, o: PresetOptions = {}): TwoViews {
  const make = (PRESETS as Record<string, (o: PresetOptions) => TwoViews>)[name];
  if (!make) throw new TypeError(`preset: unknown preset '${String(name)}' (known: ${Object.keys(PRESETS).join(', ')})`);
  return make(o);
}

