// Table-driven: the content file validates, and every need × adversary yields exactly the
// recommendation the file's matrix names, with its claims and their sources resolved.
import { describe, expect, it } from 'vitest';
import raw from './guidance.json';
import { ADVERSARIES, GuidanceContentSchema, NEEDS, GUIDANCE_ACTIONS } from '../domain/guidance';
import { recommend } from './recommend';

const content = GuidanceContentSchema.parse(raw);

describe('guidance content', () => {
  it('is valid, versioned, and every claim has at least one https source', () => {
    expect(content.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    for (const c of Object.values(content.claims)) expect(c.sources.length).toBeGreaterThan(0);
  });

  it.each(NEEDS.flatMap((n) => ADVERSARIES.map((a) => [n, a] as const)))('%s × %s gives the recommendation in the matrix', (need, adversary) => {
    const r = recommend(content, need, adversary);
    expect(r.id).toBe(content.matrix[need]?.[adversary]);
    expect(r.title.en.length).toBeGreaterThan(0);
    expect(r.title.fa.length).toBeGreaterThan(0);
    expect(r.doesNotProtect.length).toBeGreaterThan(0);
    for (const c of r.claimDetails) expect(c.claim.sources.length).toBeGreaterThan(0);
    for (const a of r.actions) expect(GUIDANCE_ACTIONS).toContain(a);
  });

  it('carries the survey facts the product promises', () => {
    const en = Object.values(content.claims).map((c) => c.text.en).join(' ');
    for (const fact of [/three relays/, /exit relay can read/, /timing correlation/, /cover traffic/, /no delivery receipt/, /smaller network/, /100–500 ms/, /0\.3–2 s/, /1–10 s/, /metadata/]) {
      expect(en).toMatch(fact);
    }
  });

  it('rejects content with a hole in the matrix or an unknown claim', () => {
    const broken = JSON.parse(JSON.stringify(raw)) as { matrix: Record<string, Record<string, string>>; recommendations: Record<string, { claims: string[] }> };
    delete broken.matrix.browse!.global;
    expect(GuidanceContentSchema.safeParse(broken).success).toBe(false);
    const broken2 = JSON.parse(JSON.stringify(raw)) as { recommendations: Record<string, { claims: string[] }> };
    broken2.recommendations['tor-browse']!.claims.push('nope');
    expect(GuidanceContentSchema.safeParse(broken2).success).toBe(false);
  });
});
