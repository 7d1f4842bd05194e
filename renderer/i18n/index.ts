// i18next for the renderer: English and Persian, the language taken from the app's settings.
// Components use the `t` function from useTranslation(); keys live in locales/*.json.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';
import fa from './locales/fa.json';

export const RTL_LANGUAGES = new Set(['fa']);

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, fa: { translation: fa } },
  lng: 'en',
  fallbackLng: 'en',
  // React escapes already; double escaping would show &amp; to users.
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
