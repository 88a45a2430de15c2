import { useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import type { UseMutationResult } from '@tanstack/react-query';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';

type InputProps = Pick<
  InputHTMLAttributes<HTMLInputElement>,
  'type' | 'required' | 'minLength' | 'maxLength' | 'pattern' | 'placeholder' | 'autoComplete' | 'aria-describedby'
>;

/** A labelled input, or a select when the field has choices. */
export type AdminField<N extends string> =
  | { name: N; label: string; input: InputProps }
  | { name: N; label: string; choices: readonly { value: string; label: string }[] };

interface AdminFormProps<V extends Record<string, string>, Req, Res> {
  /** the form's accessible name */
  label: string;
  fields: readonly AdminField<keyof V & string>[];
  initial: V;
  /** emptied after a successful submit, ready for the next one; everything else keeps its value */
  clearOnSuccess?: readonly (keyof V)[];
  submit: { label: string; pending: string; primary?: boolean };
  mutation: Pick<UseMutationResult<Res, Error, Req>, 'mutate' | 'isPending' | 'error'>;
  request: (values: V) => Req;
  errorTitle: string;
  /** what the last successful submit answered, shown under the form and its error */
  done: (result: Res) => ReactNode;
  /** shown between the form and its error (a field's help text) */
  hint?: ReactNode;
  /** an irreversible action: what it will do, asked once before it is sent */
  confirm?: (values: V) => { consequence: string; label: string };
}

/** One row of fields that sends one mutation: the values, the submit button's pending state, the error and the answer. */
export function AdminForm<V extends Record<string, string>, Req, Res>({
  label,
  fields,
  initial,
  clearOnSuccess = [],
  submit,
  mutation,
  request,
  errorTitle,
  done,
  hint,
  confirm,
}: AdminFormProps<V, Req, Res>) {
  const [values, setValues] = useState(initial);
  const [asking, setAsking] = useState(false);
  const [answer, setAnswer] = useState<{ result: Res } | null>(null);
  const set = (name: keyof V, value: string) => setValues((v) => ({ ...v, [name]: value }));

  const send = (e: FormEvent) => {
    e.preventDefault();
    if (confirm && !asking) {
      setAsking(true);
      return;
    }
    setAsking(false);
    mutation.mutate(request(values), {
      onSuccess: (result) => {
        setAnswer({ result });
        setValues((v) => {
          const next = { ...v };
          for (const name of clearOnSuccess) next[name] = initial[name];
          return next;
        });
      },
    });
  };

  return (
    <>
      <form className="form-row" onSubmit={send} aria-label={label}>
        {fields.map((f) => (
          <label key={f.name} className="field">
            <span>{f.label}</span>
            {'choices' in f ? (
              <select value={values[f.name]} onChange={(e) => set(f.name, e.target.value)}>
                {f.choices.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                {...f.input}
                value={values[f.name]}
                onChange={(e) => (setAsking(false), set(f.name, e.target.value))}
              />
            )}
          </label>
        ))}
        <button
          type="submit"
          className={submit.primary ? 'button button--primary' : 'button'}
          disabled={mutation.isPending}
        >
          {mutation.isPending ? submit.pending : submit.label}
        </button>
      </form>
      {asking && confirm && (
        <p className="confirm" role="group" aria-label="Confirm">
          <span className="confirm__text">{confirm(values).consequence}</span>
          <button type="button" className="button button--danger" autoFocus onClick={(e) => send(e)}>
            {confirm(values).label}
          </button>
          <button type="button" className="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </p>
      )}
      {hint}
      {mutation.error && <ErrorMessage error={mutation.error} title={errorTitle} />}
      {answer && done(answer.result)}
    </>
  );
}
