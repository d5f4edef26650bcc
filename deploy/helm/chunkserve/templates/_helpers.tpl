{{- define "chunkserve.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chunkserve.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "chunkserve.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chunkserve.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "chunkserve.labels" -}}
{{ include "chunkserve.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "chunkserve.secretName" -}}
{{- default (include "chunkserve.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* DATABASE_URL from postgres.url or its parts; empty when neither is set. */}}
{{- define "chunkserve.databaseUrl" -}}
{{- $pg := .Values.postgres -}}
{{- if $pg.url -}}
{{- $pg.url -}}
{{- else if $pg.host -}}
{{- printf "postgres://%s:%s@%s:%v/%s" (urlquery $pg.user) (urlquery $pg.password) $pg.host $pg.port $pg.database -}}
{{- if $pg.sslmode }}?sslmode={{ $pg.sslmode }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
The pod's termination grace: the preStop pause, the drain deadline, and 20 s to cancel what is left
and close the engine and the database. An explicit value shorter than that would kill streams the
drain still waits for, so it is refused.
*/}}
{{- define "chunkserve.terminationGracePeriodSeconds" -}}
{{- $needed := add .Values.preStopSeconds .Values.drainTimeoutSeconds 20 -}}
{{- $set := .Values.terminationGracePeriodSeconds -}}
{{- if kindIs "invalid" $set -}}
{{- $needed -}}
{{- else if lt (int $set) (int $needed) -}}
{{- fail (printf "terminationGracePeriodSeconds (%v) must be at least preStopSeconds + drainTimeoutSeconds + 20 = %v" $set $needed) -}}
{{- else -}}
{{- $set -}}
{{- end -}}
{{- end -}}
