import { usePageTitle } from '../../components/hooks';
import { BudgetsSection } from './budgets-section';
import { ProvidersSection } from './providers-section';

/** Admin page: the LLM providers agents reach through Hangar, their keys, and what may be spent. */
export function ProvidersPage() {
  usePageTitle('Providers');
  return (
    <section className="page">
      <h1>Providers and budgets</h1>
      <ProvidersSection />
      <BudgetsSection />
    </section>
  );
}
