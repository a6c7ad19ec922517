import { selectorString } from '../../lib/format';
import { KV, Section, StandardDetails, type DetailsProps } from '../../components/Details';
import { YamlBlock } from '../../components/Yaml';
import { toYaml } from '../../components/yamlText';

export function NetworkPolicyDetails({ ctx, kind, obj }: DetailsProps) {
  return (
    <StandardDetails ctx={ctx} kind={kind} obj={obj} conditions={null}>
      <Section title="Policy">
        <KV
          rows={[
            ['Pod selector', selectorString(obj.spec?.podSelector) || '(all pods in namespace)'],
            ['Policy types', (obj.spec?.policyTypes ?? ['Ingress']).join(', ')],
          ]}
        />
      </Section>
      {obj.spec?.ingress ? (
        <Section title="Ingress rules">
          <YamlBlock text={toYaml(obj.spec.ingress)} />
        </Section>
      ) : null}
      {obj.spec?.egress ? (
        <Section title="Egress rules">
          <YamlBlock text={toYaml(obj.spec.egress)} />
        </Section>
      ) : null}
    </StandardDetails>
  );
}
