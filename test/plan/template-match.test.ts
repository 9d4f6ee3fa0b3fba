// containsFields: is an applied manifest contained in the live object, which the API server fills with defaults?
import { describe, expect, it } from 'vitest';
import { containsFields } from '../../src/plan/template-match.js';

describe('containsFields', () => {
  it.each([
    ['a field the manifest sets holds the same value live', { a: 1, b: 'x' }, { a: 1 }, true],
    ['a nested field differs', { a: { b: 1 } }, { a: { b: 2 } }, false],
    ['the live field is not an object', { a: 'x' }, { a: { b: 1 } }, false],
    ['the live object is missing', {}, { a: { b: 1 } }, false],
    ['a live list is not a list', { a: 'x' }, { a: [1] }, false],
    ['list items are compared by position', { a: [1, 3] }, { a: [1, 2] }, false],
    ['list items may hold defaults', { a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] }, true],
    ['a number and the same number as a string', { a: '8080' }, { a: 8080 }, true],
    ['a string and the same number', { a: 8080 }, { a: '8080' }, true],
    ['a number and another number as a string', { a: '8081' }, { a: 8080 }, false],
    ['a string and another number', { a: 8081 }, { a: '8080' }, false],
    ['an explicit null the cluster left out', {}, { a: null }, true],
    ['an empty list the cluster left out', {}, { a: [] }, true],
    ['an empty list the cluster holds as null', { a: null }, { a: [] }, true],
    ['an empty object the cluster fills with defaults', { a: { x: 1 } }, { a: {} }, true],
    ['an empty object the cluster holds as an empty list', { a: [] }, { a: {} }, true],
    ['an empty list where the cluster has items', { a: [1] }, { a: [] }, false],
    ['a boolean that differs', { a: true }, { a: false }, false],
  ])('%s: %j contains %j is %s', (_, live, desired, expected) => {
    expect(containsFields(live, desired)).toBe(expected);
  });
});
