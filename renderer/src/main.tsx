/**
 * The page's entry: connect to the engine (Electron MessagePort or browser-mode WebSocket), build
 * the store on that link, render the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppProvider, createApp } from '../store/index.js';
import { App } from './app.js';
import { getBridge } from './bridge.js';
import { connectBrowser, connectElectron, createEngineLink } from './engine-client.js';
import './styles.css';

const link = createEngineLink();
const app = createApp(link);
const bridge = getBridge();
if (bridge) connectElectron(link, bridge, window);
else connectBrowser(link, { location: window.location });

// For the e2e tests and for debugging from the console: the store, read-only by convention.
(window as unknown as { __dmus?: unknown }).__dmus = { store: app.store, telemetry: app.telemetry };

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <AppProvider app={app}>
      <App />
    </AppProvider>
  </StrictMode>,
);
