import { usePageTitle } from '../../components/hooks';
import { GroupsSection } from './groups-section';
import { InvitationsSection } from './invitations-section';
import { UsersSection } from './users-section';

/** Admin page: who has access to this Hangar, how they get it, and how they are grouped. */
export function PeoplePage() {
  usePageTitle('People');
  return (
    <section className="page">
      <h1>People</h1>
      <UsersSection />
      <InvitationsSection />
      <GroupsSection />
    </section>
  );
}
