/**
 * The syntax-neutral configuration tree that all three file formats (swanctl.conf, YAML, JSON)
 * are read into before the key table (schema.ts) gives it meaning. Values stay text, as in
 * strongSwan's settings: a swanctl.conf value is one string (lists are comma-separated), a
 * YAML/JSON value a string or a sequence of strings.
 */
import type { ConfigLocation } from './errors.js';

export type RawValue = string | readonly string[];

export interface TreeValue {
  readonly kind: 'value';
  readonly value: RawValue;
  readonly loc: ConfigLocation;
}

export interface TreeSection {
  readonly kind: 'section';
  /** In file order. */
  readonly entries: ReadonlyMap<string, TreeNode>;
  readonly loc: ConfigLocation;
  /** Every place the section was opened (swanctl.conf merges same-named sections). */
  readonly defs: readonly ConfigLocation[];
}

export type TreeNode = TreeValue | TreeSection;

export const emptySection = (loc: ConfigLocation): TreeSection => ({
  kind: 'section',
  entries: new Map(),
  loc,
  defs: [loc],
});
