import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { I18nProvider } from './i18n';
import { servedByHq } from './hq/mode';
import './styles.css';

// Headquarters serves this same renderer with its role mark (src-main/hq/http.ts): HQ's layout, loaded only there.
const HqApp = lazy(() => import('./hq/HqApp').then((m) => ({ default: m.HqApp })));

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');

createRoot(root).render(
  <StrictMode>
    <I18nProvider>
      {servedByHq() ? (
        <Suspense fallback={null}>
          <HqApp />
        </Suspense>
      ) : (
        <App />
      )}
    </I18nProvider>
  </StrictMode>,
);
