// The Onion services section: drops (receive files and messages from sources over an onion
// service, OnionShare receive mode's job) with a New drop form and each drop's live uploads.
import { ErrorNote } from '../../ui/ErrorNote';
import { DropCard } from './DropCard';
import { NewDropForm } from './NewDropForm';
import { useDropEvents, useDrops } from './queries';
import { useOnionUi } from './store';

export function OnionPage() {
  useDropEvents();
  const drops = useDrops();
  const formOpen = useOnionUi((s) => s.formOpen);
  const setFormOpen = useOnionUi((s) => s.setFormOpen);
  return (
    <div className="stack">
      <p className="lead">
        A drop is a page on an onion address where sources upload files and messages with Tor Browser, even with JavaScript off. What they send
        lands in a folder on this computer; nothing goes through anyone else's server.
      </p>
      {formOpen ? (
        <NewDropForm onDone={() => setFormOpen(false)} />
      ) : (
        <div className="actions">
          <button type="button" onClick={() => setFormOpen(true)}>
            New drop
          </button>
        </div>
      )}
      {drops.error ? <ErrorNote error={drops.error} /> : null}
      {drops.data && drops.data.length > 0 ? (
        <ul className="drops" aria-label="Drops">
          {drops.data.map((d) => (
            <DropCard key={d.id} drop={d} />
          ))}
        </ul>
      ) : drops.data ? (
        <p className="muted">No drops yet.</p>
      ) : null}
    </div>
  );
}
