{{/* Names, labels and the derived settings every template shares. */}}

{{- define "hangar.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hangar.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hangar.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hangar.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hangar.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "hangar.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "hangar.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hangar.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the server reads: an existing one, or the chart's. */}}
{{- define "hangar.secretName" -}}
{{- default (include "hangar.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* "true" when the server uses an external PostgreSQL. */}}
{{- define "hangar.externalDatabase" -}}
{{- if or .Values.database.url (and .Values.secrets.existingSecret .Values.secrets.existingSecretHasDatabaseUrl) -}}true{{- end -}}
{{- end -}}

{{/* "true" when a secret key is mounted as a file. */}}
{{- define "hangar.sharedSecretKey" -}}
{{- if or .Values.secrets.secretKey (and .Values.secrets.existingSecret .Values.secrets.existingSecretHasSecretKey) -}}true{{- end -}}
{{- end -}}

{{- define "hangar.workspaceNamespace" -}}
{{- default .Release.Namespace .Values.workspaces.namespace -}}
{{- end -}}

{{/* Refuses settings that cannot work, before anything is applied. */}}
{{- define "hangar.checks" -}}
{{- if gt (int .Values.replicaCount) 1 -}}
{{- if not (include "hangar.externalDatabase" .) -}}
{{- fail "replicaCount > 1 needs an external PostgreSQL: set database.url (or an existing Secret with database-url)" -}}
{{- end -}}
{{- if not (include "hangar.sharedSecretKey" .) -}}
{{- fail "replicaCount > 1 needs one secret key for all replicas: set secrets.secretKey (or an existing Secret with secret-key)" -}}
{{- end -}}
{{- if .Values.persistence.enabled -}}
{{- fail "replicaCount > 1 keeps no state in the data dir: set persistence.enabled=false" -}}
{{- end -}}
{{- end -}}
{{- end -}}
