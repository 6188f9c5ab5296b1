import { usePageTitle } from '../../components/hooks';
import { useSession } from '../auth/session';
import { GitCredentialsSection } from '../diff/git-credentials';
import { PasswordSection } from './password-section';
import { ProfileSection } from './profile-section';
import { TokensSection } from './tokens-section';

export function AccountPage() {
  usePageTitle('Account');
  const { authMode } = useSession();
  return (
    <section className="page">
      <h1>Account</h1>
      <ProfileSection />
      {/* With authentication off there is no password to change. */}
      {authMode === 'password' ? <PasswordSection /> : null}
      <TokensSection />
      <GitCredentialsSection />
    </section>
  );
}
