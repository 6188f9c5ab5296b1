import { displayName, password, username } from '@hangar/protocol';
import { Field } from '../../components/field';
import { check, type FieldErrors } from '../../components/validation';

/** The fields shared by the first-admin setup form and the invitation form. */
export interface NewAccountValues {
  username: string;
  displayName: string;
  password: string;
  confirmPassword: string;
}

export const emptyNewAccount: NewAccountValues = {
  username: '',
  displayName: '',
  password: '',
  confirmPassword: '',
};

export type NewAccountErrors = FieldErrors<keyof NewAccountValues>;

export function validateNewAccount(values: NewAccountValues): NewAccountErrors {
  const name = values.displayName.trim();
  return {
    username: check(username, values.username),
    displayName: name === '' ? undefined : check(displayName, name),
    password: check(password, values.password),
    confirmPassword: values.confirmPassword !== values.password ? 'The passwords do not match.' : undefined,
  };
}

/** The request fields, with an empty display name left out so the server uses the username. */
export function newAccountBody(values: NewAccountValues) {
  const name = values.displayName.trim();
  return {
    username: values.username,
    password: values.password,
    ...(name === '' ? {} : { displayName: name }),
  };
}

interface NewAccountFieldsProps {
  values: NewAccountValues;
  errors: NewAccountErrors;
  onChange: (values: NewAccountValues) => void;
}

export function NewAccountFields({ values, errors, onChange }: NewAccountFieldsProps) {
  const set = (key: keyof NewAccountValues) => (event: React.ChangeEvent<HTMLInputElement>) =>
    onChange({ ...values, [key]: event.target.value });
  return (
    <>
      <Field
        label="Username"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        required
        value={values.username}
        onChange={set('username')}
        hint="Lowercase letters, digits, “.”, “_” and “-”."
        error={errors.username}
      />
      <Field
        label="Display name"
        name="displayName"
        autoComplete="name"
        value={values.displayName}
        onChange={set('displayName')}
        hint="Optional. How others see you."
        error={errors.displayName}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        value={values.password}
        onChange={set('password')}
        hint="At least 10 characters."
        error={errors.password}
      />
      <Field
        label="Confirm password"
        name="confirmPassword"
        type="password"
        autoComplete="new-password"
        required
        value={values.confirmPassword}
        onChange={set('confirmPassword')}
        error={errors.confirmPassword}
      />
    </>
  );
}
