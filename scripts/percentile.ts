/** The `p`th percentile (0–100) of ascending `sorted` samples, nearest-rank: always one of the samples. */
export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
