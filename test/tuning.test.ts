/** withSetting: one dotted tuning path set on a copy; anything else is an error. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TUNING, withSetting } from '../src/tuning.js';

describe('withSetting', () => {
  it('sets a nested number by its dotted path', () => {
    assert.equal(
      withSetting(DEFAULT_TUNING, 'abstain.models.builtin.weights.evidence', 0.123).abstain.models.builtin.weights
        .evidence,
      0.123,
    );
  });

  it('leaves every other setting as it was', () => {
    const tuned = withSetting(DEFAULT_TUNING, 'sentences.rankPrior', 9);
    const { rankPrior } = DEFAULT_TUNING.sentences;
    assert.deepEqual({ ...tuned, sentences: { ...tuned.sentences, rankPrior } }, DEFAULT_TUNING);
  });

  it('does not change the original', () => {
    const before = structuredClone(DEFAULT_TUNING);
    withSetting(DEFAULT_TUNING, 'abstain.models.builtin.weights.evidence', 0.999);
    assert.deepEqual(DEFAULT_TUNING, before);
  });

  it('throws for an unknown path, naming it', () => {
    for (const dotted of ['abstain.models.builtin.weights.fr', 'nothing.here']) {
      assert.throws(() => withSetting(DEFAULT_TUNING, dotted, 1), { message: `Unknown tuning setting "${dotted}"` });
    }
  });

  it('throws for a path that ends at a group of settings rather than a number', () => {
    const message = 'Unknown tuning setting "abstain.models"';
    assert.throws(() => withSetting(DEFAULT_TUNING, 'abstain.models', 1), { message });
  });

  it('throws for an empty path', () => {
    assert.throws(() => withSetting(DEFAULT_TUNING, '', 1), /Unknown tuning setting/);
  });

  for (const name of Object.getOwnPropertyNames(Object.prototype)) {
    it(`throws for paths through the Object.prototype name "${name}"`, () => {
      assert.throws(() => withSetting(DEFAULT_TUNING, name, 1), /Unknown tuning setting/);
      assert.throws(() => withSetting(DEFAULT_TUNING, `abstain.${name}`, 1), /Unknown tuning setting/);
      assert.throws(() => withSetting(DEFAULT_TUNING, `${name}.x`, 1), /Unknown tuning setting/);
    });
  }
});
