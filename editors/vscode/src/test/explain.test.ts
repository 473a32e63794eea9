import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseExplainResult, summaryHeadline, toLocationItems } from '../explain';

const range = (line: number, character: number) => ({ start: { line, character }, end: { line, character: character + 3 } });

describe('parseExplainResult', () => {
  test('keeps the summary and well-formed locations in order', () => {
    const { result, skipped } = parseExplainResult({
      summary: 'shop.Product.sku is unique (UNIQUE constraint failed: shop_product.sku)',
      locations: [
        { uri: 'file:///p/shop/models.py', range: range(11, 4), title: 'Product.sku (unique=True)' },
        { uri: 'file:///p/shop/views.py', range: range(20, 8), title: 'IL101 check-then-create' },
      ],
    });
    assert.equal(skipped, 0);
    assert.equal(result.summary, 'shop.Product.sku is unique (UNIQUE constraint failed: shop_product.sku)');
    assert.deepEqual(
      result.locations.map((location) => location.title),
      ['Product.sku (unique=True)', 'IL101 check-then-create'],
    );
  });

  test('skips malformed locations and counts them', () => {
    const { result, skipped } = parseExplainResult({
      summary: 's',
      locations: [
        { uri: 'file:///a.py', range: range(0, 0), title: 'ok' },
        { uri: 'file:///b.py', title: 'no range' },
        { uri: 'file:///c.py', range: { start: { line: -1, character: 0 } }, title: 'negative' },
        { range: range(1, 1), title: 'no uri' },
        'not an object',
        null,
      ],
    });
    assert.deepEqual(result.locations.map((location) => location.title), ['ok']);
    assert.equal(skipped, 5);
  });

  test('a missing end is the start; a missing title is the uri', () => {
    const { result } = parseExplainResult({ summary: '', locations: [{ uri: 'file:///a.py', range: { start: { line: 2, character: 1 } } }] });
    assert.deepEqual(result.locations[0], { uri: 'file:///a.py', range: { start: { line: 2, character: 1 }, end: { line: 2, character: 1 } }, title: 'file:///a.py' });
  });

  test('no locations at all is an empty list, not an error', () => {
    assert.deepEqual(parseExplainResult({ summary: 'not an IntegrityError' }).result, { summary: 'not an IntegrityError', locations: [] });
  });

  test('a result that is not an object is an error', () => {
    assert.throws(() => parseExplainResult(null), /nothing/);
    assert.throws(() => parseExplainResult('text'), /unexpected/);
    assert.throws(() => parseExplainResult([]), /unexpected/);
  });
});

describe('toLocationItems', () => {
  test('label is the title, description is path:line:column, 1-based', () => {
    const { result } = parseExplainResult({
      summary: '',
      locations: [{ uri: 'file:///p/shop/views.py', range: range(20, 8), title: 'IL101 check-then-create' }],
    });
    const items = toLocationItems(result, (uri) => uri.replace('file:///p/', ''));
    assert.equal(items.length, 1);
    assert.equal(items[0].label, 'IL101 check-then-create');
    assert.equal(items[0].description, 'shop/views.py:21:9');
    assert.equal(items[0].location.uri, 'file:///p/shop/views.py');
  });
});

describe('summaryHeadline', () => {
  test('first non-empty line, shortened', () => {
    assert.equal(summaryHeadline('\n  UNIQUE constraint failed: shop_product.sku\nmore'), 'UNIQUE constraint failed: shop_product.sku');
    assert.equal(summaryHeadline('x'.repeat(200), 10), 'xxxxxxxxx…');
    assert.equal(summaryHeadline(''), '');
  });
});
