// Backups (settings page): list, create, download, restore, import.

import { get, post, put } from '../api.js';
import { h } from '../dom.js';
import { bytes, dateTime } from '../format.js';
import { busy, button, confirmAction, field, load, messageArea, panel, success, table } from '../ui.js';

export function backupsPanel() {
  const list = h('div');
  const messages = messageArea();
  const refresh = () => load(list, 'backups', () => get('/db-backups'), renderList);

  async function restore(backup, trigger) {
    const ok = await confirmAction({
      title: `Restore backup ${backup.id}?`,
      message: 'The current database is replaced (a safety backup is taken first) and every service reloads its configuration.',
      confirmLabel: 'Restore',
    });
    if (!ok) return;
    const result = await busy(trigger, () => post('/db-backups', { backupId: backup.id }), messages, 'Restore failed');
    if (result) {
      success(messages, `Restored ${result.restored}. Safety backup: ${result.safetyBackup}.`);
      refresh();
    }
  }

  function renderList(container, data) {
    container.append(
      table({
        caption: `Stored in ${data.directory}`,
        empty: 'No backups yet.',
        rows: data.backups,
        columns: [
          { label: 'Backup', render: (b) => h('span', { class: 'mono' }, b.id) },
          { label: 'Taken', render: (b) => dateTime(b.createdAt) },
          { label: 'Size', render: (b) => bytes(b.sizeBytes), num: true },
          {
            label: 'Actions',
            render: (b) => {
              const restoreButton = button('Restore', () => restore(b, restoreButton), { class: 'danger small', 'aria-label': `Restore backup ${b.id}` });
              return restoreButton;
            },
          },
        ],
      }),
    );
  }

  const create = button('Create backup', async () => {
    const made = await busy(create, () => put('/db-backups'), messages, 'Backup failed');
    if (made) {
      success(messages, `Backup ${made.id} created.`);
      refresh();
    }
  });

  const file = h('input', { type: 'file', name: 'file', accept: '.sqlite,.db,application/vnd.sqlite3' });
  const importButton = h('button', { type: 'submit', class: 'danger' }, 'Import and restore');
  const importForm = h('form', { class: 'form' }, field('Database file (.sqlite)', file), h('div', { class: 'actions' }, importButton));
  importForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files.length) {
      file.focus();
      return;
    }
    const ok = await confirmAction({
      title: `Restore from ${file.files[0].name}?`,
      message: 'The current database is replaced (a safety backup is taken first).',
      confirmLabel: 'Import',
    });
    if (!ok) return;
    const body = new FormData();
    body.append('file', file.files[0]);
    const result = await busy(importButton, () => post('/db-backups/import', body), messages, 'Import failed');
    if (result) {
      success(messages, `Imported ${result.restored}. Safety backup: ${result.safetyBackup}.`);
      importForm.reset();
      refresh();
    }
  });

  refresh();
  return panel(
    'Backups',
    {
      actions: [
        create,
        // Plain links: the browser downloads with the session cookie.
        h('a', { class: 'button secondary', href: '/api/db-backups/export', download: '' }, 'Download database'),
        h('a', { class: 'button secondary', href: '/api/db-backups/exportAll', download: '' }, 'Export everything (.tar.gz)'),
      ],
    },
    messages,
    list,
    h('h3', {}, 'Restore from a file'),
    importForm,
  );
}
