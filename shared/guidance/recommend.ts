// The guidance engine: two answers in, one recommendation out, straight from the content file.
import type { Adversary, GuidanceContent, Need, Recommendation } from '../domain/guidance';

export interface ResolvedRecommendation extends Recommendation {
  id: string;
  claimDetails: { id: string; claim: GuidanceContent['claims'][string] }[];
}

export function recommend(content: GuidanceContent, need: Need, adversary: Adversary): ResolvedRecommendation {
  const id = content.matrix[need]?.[adversary];
  const rec = id ? content.recommendations[id] : undefined;
  if (!id || !rec) throw new Error(`guidance content has no recommendation for ${need} × ${adversary}`);
  return {
    id,
    ...rec,
    claimDetails: rec.claims.map((c) => {
      const claim = content.claims[c];
      if (!claim) throw new Error(`unknown claim ${c}`);
      return { id: c, claim };
    }),
  };
}
