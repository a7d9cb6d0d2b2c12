// Which bands of a multi-band image are red, green and blue: for the report's composite and for
// the colour augmentations (saturation, hue, grayscale) that need an RGB triple.

/** Sentinel-2 MSI's red, green and blue bands (B4, B3, B2; ESA, Sentinel-2 User Handbook). */
const SENTINEL2_RGB = ['B4', 'B3', 'B2'] as const;

/** A band name without leading zeros, upper case: 'b04' -> 'B4'. */
function canonical(name: string): string {
  const m = /^b0*(\d+a?)$/i.exec(name.trim());
  return m ? `B${m[1]!.toUpperCase()}` : name.trim().toUpperCase();
}

/**
 * The [red, green, blue] band indices of a C-band image: `configured` when given (each in
 * [0, C)), else B4/B3/B2 when the band names are Sentinel-2's (B1..B12, B8A; 'B04' too), else the
 * first three bands (C >= 3), else null (1 or 2 bands: no composite, shown as gray).
 */
export function rgbBands(channels: number, bandNames: readonly string[] | null, configured?: readonly [number, number, number] | 'auto'): [number, number, number] | null {
  if (configured !== undefined && configured !== 'auto') {
    for (const b of configured) {
      if (!Number.isInteger(b) || b < 0 || b >= channels) throw new RangeError(`rgbBands: band ${b} is out of range for ${channels} bands (expected integers in [0, ${channels - 1}])`);
    }
    return [configured[0], configured[1], configured[2]];
  }
  if (bandNames && bandNames.length === channels) {
    const names = bandNames.map(canonical);
    const idx = SENTINEL2_RGB.map((b) => names.indexOf(b));
    if (idx.every((i) => i >= 0)) return idx as [number, number, number];
  }
  return channels >= 3 ? [0, 1, 2] : null;
}
