import { describe, expect, it } from 'vitest';

import { shown, shownList } from '../../../src/domain/shownInput';

describe('input quoted in messages', () => {
  it('cuts a 1 MB value to 300 characters and says how much was left out', () => {
    // Act
    const text = shown('r'.repeat(1_000_000));

    // Assess
    expect(text).toBe(`${'r'.repeat(300)}… (999700 more characters)`);
  });

  it('names 10 of 200,000 keys and counts the rest', () => {
    // Act
    const text = shownList(Array.from({ length: 200_000 }, (_, index) => `k${index}`));

    // Assess
    expect(text).toBe('k0, k1, k2, k3, k4, k5, k6, k7, k8, k9 and 199990 more');
  });

  it('leaves short input as it is', () => {
    expect([shown('westus9'), shownList(['a', 'b'])]).toEqual(['westus9', 'a, b']);
  });
});
