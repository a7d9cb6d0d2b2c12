// Batched image augmentations on tensors (N, C, H, W) and sequence augmentations on (N, T, C) with
// lengths (sequence/: Um et al. 2017, Le Guennec et al. 2016, TS-TCC, TS2Vec), with per-sample
// random parameters drawn from the engine's seeded generator, and the multi-view presets of
// SimCLR, BYOL and friends, and TS-TCC's.
//
// Against torchvision 0.14 (tests compare numerically, test/augment/*.test.ts):
// - brightness, contrast, saturation, grayscale, solarize, normalize, Gaussian blur: the same
//   formulas (functional_tensor.py), equal to float rounding.
// - hue: the same HSV round trip; hsv2rgb is written in closed form instead of torchvision's
//   sector table (einsum), which gives the same values to ~1 ulp and fewer passes.
// - resized crop: equal to torchvision's tensor path, crop + bilinear resize with
//   antialias=False (its default for tensors in 0.14). torchvision's PIL path antialiases when
//   it downscales; a batched grid_sample does not.
// - rotation: equal to `F.rotate(..., fill=None)`; torchvision's RandomRotation(fill=0) also
//   multiplies edge pixels by a resampled mask, which darkens the border pixels slightly.
// - random parameters: drawn per sample (torchvision draws per call, i.e. per image in a
//   DataLoader, so the distributions agree) from the engine's generator, not torchvision's
//   stream: the same seed repeats our draws, not torchvision's.
// - ColorJitter: the order of the four ops is a random permutation per sample, as torchvision's
//   per-call `randperm(4)`.
//
// Multi-band images (C bands, e.g. Sentinel-2's 13, standardised per band): the geometric ops
// and blur take any C and never clamp; ColorJitter and RandomGrayscale take `rgb` (the red,
// green, blue band indices) for saturation, hue and grayscale, and ColorJitter `perBand` and
// `clamp: false`; spectral.ts adds band dropout and band noise; the `multispectral` preset
// combines them (SSL4EO-S12, Wang et al. 2022; SeCo, Mañas et al. 2021).
export type { Augmentation, ViewTransform, PresetOptions } from './types.js';
export { isViewTransform } from './types.js';
export {
  rgbToGrayscale, adjustBrightness, adjustContrast, adjustSaturation, adjustHue, rgbToHsv, hsvToRgb,
  solarize, normalize, type PerSample,
} from './color.js';
export { resizedCrop, RandomResizedCrop, type Boxes, type RandomResizedCropOptions } from './resized-crop.js';
export { hflip, vflip, RandomHorizontalFlip, RandomVerticalFlip } from './flip.js';
export { rotate, RandomRotation } from './rotation.js';
export { gaussianBlur, gaussianKernel1d, simclrKernelSize, GaussianBlur, type GaussianBlurOptions } from './blur.js';
export { ColorJitter, type ColorJitterOptions, type Jitter } from './color-jitter.js';
export { RandomGrayscale } from './grayscale.js';
export { RandomSolarize } from './solarize.js';
export { RandomBandDropout, RandomBandNoise, type RandomBandDropoutOptions, type RandomBandNoiseOptions } from './spectral.js';
export { checkRgb, type Rgb } from './bands.js';
export { Normalize, IMAGENET_MEAN, IMAGENET_STD } from './normalize.js';
export { Compose, COMPOSE_CHUNK_BYTES, RandomApply, type ComposeStep } from './compose.js';
export { TwoViews, MultiCrop, type CropGroup } from './views.js';
export { simclr, byol, cifar32, mnist28, multispectral, light, LIGHT_CROP_SCALE, preset, PRESETS, PRESET_INPUTS, type PresetName } from './presets.js';
export { SequenceAugmentation } from './sequence/base.js';
export { RandomJitter, Scaling, MagnitudeWarp } from './sequence/magnitude.js';
export { TimeWarp, WindowSlice, SegmentPermutation } from './sequence/time.js';
export { TimestampMask, ChannelDropout } from './sequence/masking.js';
export { SplineBasis } from './sequence/spline.js';
export { tsWeak, tsStrong, tsSimclr } from './sequence/presets.js';
export { writeViewGrid, type GridOptions } from './grid.js';
