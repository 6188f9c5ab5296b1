import { notificationKind, type NotificationKind } from '@hangar/protocol';
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import {
  useMarkNotificationsRead,
  useNotificationList,
  useNotificationSettings,
  useUpdateNotificationSettings,
} from '../../api/notifications';
import { ErrorAlert } from '../../components/alert';
import { useNotificationPushes } from './use-notification-stream';
import './notifications.css';

const KIND_LABEL: Record<NotificationKind, string> = {
  mention: 'You were mentioned',
  approval: 'An agent awaits approval',
  finished: 'An agent finished',
  failed: 'An agent failed',
  budget: 'A budget is nearly spent',
  workspace: 'Hangar stopped a workspace',
};

/** The notification centre in the app frame: a bell with the unread count, the list, and settings. */
export function NotificationBell() {
  useNotificationPushes();
  const list = useNotificationList();
  const markRead = useMarkNotificationsRead();
  const [open, setOpen] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  const unread = list.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    const onClick = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onClick);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onClick);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="notification-bell" ref={root}>
      <button
        type="button"
        className="button button-small bell-button"
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        onClick={() => setOpen(!open)}
      >
        <svg className="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            d="M12 3a6 6 0 0 0-6 6v3.6L4.3 16a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Zm-2.5 16a2.5 2.5 0 0 0 5 0h-5Z"
            fill="currentColor"
          />
        </svg>
        {unread ? (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div
          id={`${id}-panel`}
          className="notification-panel card"
          role="region"
          aria-label="Notification centre"
        >
          <div className="notification-panel-head">
            <strong>Notifications</strong>
            <button
              type="button"
              className="button button-small"
              disabled={!unread || markRead.isPending}
              onClick={() => markRead.mutate({ all: true })}
            >
              Mark all read
            </button>
            <button
              type="button"
              className="button button-small"
              onClick={() => setShowSettings(!showSettings)}
            >
              {showSettings ? 'Back' : 'Settings'}
            </button>
          </div>
          <ErrorAlert error={list.error ?? markRead.error} />
          {showSettings ? (
            <NotificationSettingsForm />
          ) : (
            <ul className="notification-list">
              {(list.data?.notifications ?? []).map((n) => (
                <li key={n.id} className={n.readAt ? 'notification' : 'notification notification-unread'}>
                  <div className="notification-title">
                    {n.link ? (
                      <Link
                        to={n.link}
                        onClick={() => {
                          if (!n.readAt) markRead.mutate({ ids: [n.id] });
                          setOpen(false);
                        }}
                      >
                        {n.title}
                      </Link>
                    ) : (
                      n.title
                    )}
                  </div>
                  {n.body ? <div className="small">{n.body}</div> : null}
                  <time className="muted small" dateTime={n.createdAt}>
                    {new Date(n.createdAt).toLocaleString()}
                  </time>
                </li>
              ))}
              {list.data && list.data.notifications.length === 0 ? (
                <li className="muted small">Nothing yet.</li>
              ) : null}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}

function NotificationSettingsForm() {
  const settings = useNotificationSettings();
  const update = useUpdateNotificationSettings();
  const supported = typeof window.Notification === 'function';
  const [permission, setPermission] = useState(supported ? window.Notification.permission : 'denied');
  if (!settings.data) return <ErrorAlert error={settings.error} />;
  const data = settings.data;
  return (
    <div className="notification-settings">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">In Hangar</th>
            <th scope="col">Browser</th>
          </tr>
        </thead>
        <tbody>
          {notificationKind.options.map((kind) => (
            <tr key={kind}>
              <th scope="row">{KIND_LABEL[kind]}</th>
              {(['inApp', 'browser'] as const).map((channel) => (
                <td key={channel}>
                  <input
                    type="checkbox"
                    aria-label={`${KIND_LABEL[kind]}: ${channel === 'inApp' ? 'in Hangar' : 'browser'}`}
                    checked={data[kind][channel]}
                    disabled={update.isPending}
                    onChange={(event) =>
                      update.mutate({ [kind]: { ...data[kind], [channel]: event.target.checked } })
                    }
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {supported && permission === 'default' ? (
        <button
          type="button"
          className="button button-small"
          onClick={() => void window.Notification.requestPermission().then(setPermission)}
        >
          Allow browser notifications
        </button>
      ) : null}
      {supported && permission === 'denied' ? (
        <p className="muted small">
          This browser blocks Hangar’s notifications; allow them in its site settings.
        </p>
      ) : null}
      <ErrorAlert error={update.error} />
    </div>
  );
}
