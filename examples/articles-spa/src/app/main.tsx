/** Entry point: fetch the runtime config, configure Amplify, render. */
import '@aws-amplify/ui-react/styles.css';
import './app.css';
import { Amplify } from 'aws-amplify';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { amplifyConfig, loadConfig } from './config.ts';

const root = createRoot(document.getElementById('root')!);
loadConfig().then(
  (config) => {
    Amplify.configure(amplifyConfig(config));
    root.render(
      <StrictMode>
        <App apiUrl={config.apiUrl} />
      </StrictMode>,
    );
  },
  (error: unknown) => {
    root.render(<p role="alert">Could not load the configuration: {String(error)}</p>);
  },
);
