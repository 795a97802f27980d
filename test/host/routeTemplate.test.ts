import { describe, expect, it } from 'vitest';

import { compareRoutePrecedence, RouteTemplate, RouteTemplateError } from '../../dev/host/http/routeTemplate';

describe('RouteTemplate', () => {
  it.each([
    ['items/{id}', 'items/7', { id: '7' }],
    ['items/{id}', 'ITEMS/7', { id: '7' }],
    ['items/{id}', 'items', undefined],
    ['items/{id}', 'items/7/more', undefined],
    ['items/{id?}', 'items', {}],
    ['items/{id=5}', 'items', { id: '5' }],
    ['items/{id:int}', 'items/-12', { id: '-12' }],
    ['items/{id:int}', 'items/1.5', undefined],
    ['items/{id:int:min(10)}', 'items/9', undefined],
    ['items/{id:int:min(10)}', 'items/10', { id: '10' }],
    ['items/{id:range(1,3)}', 'items/4', undefined],
    ['items/{flag:bool}', 'items/True', { flag: 'True' }],
    [
      'items/{g:guid}',
      'items/0f8fad5b-d9cb-469f-a165-70867728950e',
      { g: '0f8fad5b-d9cb-469f-a165-70867728950e' },
    ],
    ['items/{code:regex(^[a-z]{{3}}$)}', 'items/abc', { code: 'abc' }],
    ['items/{code:regex(^[a-z]{{3}}$)}', 'items/abcd', undefined],
    ['items/{name:length(2,3)}', 'items/abcd', undefined],
    ['files/{*rest}', 'files/a/b/c', { rest: 'a/b/c' }],
    ['files/{*rest}', 'files', {}],
    ['v{version}/x', 'v2/x', { version: '2' }],
    ['{a}-{b}', 'one-two', { a: 'one', b: 'two' }],
    ['x/{name}', 'x/%E2%9C%93', { name: '✓' }],
    ['', '', {}],
  ])('%s matches %s → %j', (template, path, expected) => {
    expect(new RouteTemplate(template).match(path)).toEqual(expected);
  });

  it.each(['items/{id', 'items/{id:nope}', 'files/{*rest}/more', '{a}/{a}', 'items/{id:min(x)}'])(
    'rejects %s',
    (template) => {
      expect(() => new RouteTemplate(template)).toThrow(RouteTemplateError);
    },
  );

  it('orders literals before constrained before plain parameters before catch-alls', () => {
    const templates = ['files/{*rest}', 'items/{id}', 'items/{id:int}', 'items/new'].map(
      (t) => new RouteTemplate(t),
    );
    expect(templates.sort(compareRoutePrecedence).map((t) => t.template)).toEqual([
      'items/new',
      'items/{id:int}',
      'items/{id}',
      'files/{*rest}',
    ]);
  });
});
