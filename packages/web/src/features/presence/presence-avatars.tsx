import { Avatar } from '../workspaces/member-avatars';
import { usePresence } from './use-presence';
import './presence.css';

/** Who has the workspace open now, and which panel: initials with the details on hover and for screen readers. */
export function PresenceAvatars({ workspaceId }: { workspaceId: string }) {
  const members = usePresence(workspaceId);
  if (members.length === 0) return null;
  return (
    <ul className="avatars presence" aria-label="Here now">
      {members.map((member) => {
        const where = member.panel ? ` — ${member.panel}` : '';
        const tabs = member.tabs > 1 ? ` (${member.tabs} tabs)` : '';
        return (
          <li key={member.userId} title={`${member.displayName}${where}${tabs}`} className="presence-member">
            <Avatar name={member.displayName} />
            <span className="presence-dot" aria-hidden="true" />
            <span className="visually-hidden">
              {member.displayName} is here{where}
              {tabs}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
