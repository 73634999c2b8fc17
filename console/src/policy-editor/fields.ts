/**
 * The inspector's form fields. Every field is named by its path inside the node (`window.last`, `filter[0].op`,
 * the parser's own spelling), which is how a server error finds it: the field shows the messages for its path
 * in a live region it is described by, and marks itself invalid.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import { parse as parseYaml, stringify } from 'yaml';
import './cel-field.js';
import type { MessageKey } from './messages.js';
import { errorsForField, type LocatedError } from './paths.js';
import type { Completion } from './vocabulary.js';

export type Path = readonly (string | number)[];

export interface FormContext {
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
  errors: readonly LocatedError[];
  readonly: boolean;
  edit: (path: Path, value: unknown) => void;
  completions: readonly Completion[];
}

/** `['filter', 0, 'op']` → `filter[0].op`, as `formatPath` in `server-mock/src/policy/parse.ts` writes it. */
export function fieldName(path: Path): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

function elementId(field: string): string {
  return `field-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function errorRegion(id: string, messages: string[]): TemplateResult {
  return html`<div class="field-error" part="error" id="${id}-error" aria-live="polite">${messages.join(' ')}</div>`;
}

/** The errors of a group of fields (a fieldset) that no single field below shows: on the list itself, such as "each factor at most once". */
export function fieldErrors(context: FormContext, path: Path): TemplateResult {
  const field = fieldName(path);
  const messages = context.errors.filter((error) => error.field === field).map((error) => error.message);
  return errorRegion(elementId(field), messages);
}

export interface TextOptions {
  /** An empty text removes the key instead of writing "" (for optional fields). */
  optional?: boolean;
  type?: 'text' | 'number';
  /** A `<datalist>` id to suggest values from. */
  list?: string;
  /** Text → document value; defaults to the text itself. */
  parse?: (text: string) => unknown;
}

export function textField(context: FormContext, path: Path, label: string, value: unknown, options: TextOptions = {}): TemplateResult {
  const field = fieldName(path);
  const id = elementId(field);
  const messages = errorsForField(context.errors, field);
  const onInput = (event: Event) => {
    const text = (event.target as HTMLInputElement).value;
    if (text === '' && options.optional) context.edit(path, undefined);
    else context.edit(path, options.parse ? options.parse(text) : text);
  };
  return html`<div class="field" data-field=${field}>
    <label for=${id}>${label}</label>
    <input
      id=${id}
      type=${options.type ?? 'text'}
      list=${ifDefined(options.list)}
      .value=${value === undefined || value === null ? '' : String(value)}
      ?readonly=${context.readonly}
      aria-invalid=${messages.length > 0 ? 'true' : 'false'}
      aria-describedby="${id}-error"
      @input=${onInput}
    />
    ${errorRegion(id, messages)}
  </div>`;
}

export interface Choice {
  value: string;
  label: string;
}

/** A select; `onSelect` replaces the plain write when choosing means more than setting the path (switching a kind). */
export function selectField(
  context: FormContext,
  path: Path,
  label: string,
  value: string,
  choices: readonly Choice[],
  onSelect?: (value: string) => void,
): TemplateResult {
  const field = fieldName(path);
  const id = elementId(field);
  const messages = errorsForField(context.errors, field);
  const onChange = (event: Event) => {
    const next = (event.target as HTMLSelectElement).value;
    if (onSelect) onSelect(next);
    else context.edit(path, next);
  };
  return html`<div class="field" data-field=${field}>
    <label for=${id}>${label}</label>
    <select id=${id} ?disabled=${context.readonly} aria-invalid=${messages.length > 0 ? 'true' : 'false'} aria-describedby="${id}-error" @change=${onChange}>
      ${choices.map((choice) => html`<option value=${choice.value} ?selected=${choice.value === value}>${choice.label}</option>`)}
    </select>
    ${errorRegion(id, messages)}
  </div>`;
}

/** YAML in, any value out: `10` is a number, `[totp, sms]` a list, `true` a boolean, anything else text. */
export function parseYamlValue(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

export function yamlText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

/** A value written as YAML on one line (a template parameter, a parameter default, a list). */
export function yamlField(context: FormContext, path: Path, label: string, value: unknown, optional = true): TemplateResult {
  return textField(context, path, label, yamlText(value), { optional, parse: parseYamlValue });
}

export function celField(context: FormContext, path: Path, label: string, value: string, optional = false): TemplateResult {
  const field = fieldName(path);
  const messages = errorsForField(context.errors, field);
  const onInput = (event: CustomEvent<{ value: string }>) => context.edit(path, event.detail.value === '' && optional ? undefined : event.detail.value);
  return html`<camfa-cel-field
    data-field=${field}
    .label=${label}
    .value=${value}
    .error=${messages.join(' ')}
    .completions=${context.completions}
    ?readonly=${context.readonly}
    @camfa-cel-input=${onInput}
  ></camfa-cel-field>`;
}

/** A small button; hidden when the editor is read-only, since it would only edit. */
export function actionButton(context: FormContext, label: string, onClick: () => void, text = label): TemplateResult | typeof nothing {
  if (context.readonly) return nothing;
  return html`<button type="button" class="action" aria-label=${label} @click=${onClick}>${text}</button>`;
}
