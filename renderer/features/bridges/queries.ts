// Bridges state in the react-query cache: built-in choices, the applied configuration, stored
// reachability results and the live bootstrap diagnosis (pushed by main, put into the cache).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { BridgeConfig, BridgeSelection, Diagnosis, ReachabilityResult } from '../../../shared/domain/bridges';

export const bridgesKeys = {
  all: () => ['bridges'] as const,
  builtin: () => ['bridges', 'builtin'] as const,
  current: () => ['bridges', 'current'] as const,
  tests: () => ['bridges', 'tests'] as const,
  diagnosis: () => ['bridges', 'diagnosis'] as const,
  validate: (text: string) => ['bridges', 'validate', text] as const,
};

export const useBuiltin = () => useQuery({ queryKey: bridgesKeys.builtin(), queryFn: async () => unwrap(await api.bridges.listBuiltin()), staleTime: Infinity });
export const useBridgeConfig = () => useQuery({ queryKey: bridgesKeys.current(), queryFn: async () => unwrap(await api.bridges.current()) });
export const useBridgeTests = () => useQuery({ queryKey: bridgesKeys.tests(), queryFn: async () => unwrap(await api.bridges.listTests()) });
export const useDiagnosis = () => useQuery({ queryKey: bridgesKeys.diagnosis(), queryFn: async () => unwrap(await api.bridges.diagnosis()) });
export const useValidation = (text: string) =>
  useQuery({ queryKey: bridgesKeys.validate(text), queryFn: async () => unwrap(await api.bridges.validate({ text })), enabled: text.trim() !== '', staleTime: Infinity });

export function useApplyBridges() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (selection: BridgeSelection) => unwrap(await api.bridges.apply(selection)),
    onSuccess: (conf) => qc.setQueryData<BridgeConfig>(bridgesKeys.current(), conf),
  });
}

export function useRevertBridges() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await api.bridges.revert()),
    onSuccess: (conf) => qc.setQueryData<BridgeConfig>(bridgesKeys.current(), conf),
  });
}

export function useTestBridge() {
  return useMutation({ mutationFn: async (line: string) => unwrap(await api.bridges.test({ line })) });
}

/** Mount once while anything showing the diagnosis or tests is visible. */
export function useBridgesEvents(): void {
  const qc = useQueryClient();
  const onDiagnosis = useCallback((d: Diagnosis) => qc.setQueryData(bridgesKeys.diagnosis(), d), [qc]);
  const onTest = useCallback(
    (r: ReachabilityResult) => qc.setQueryData<ReachabilityResult[]>(bridgesKeys.tests(), (old) => [r, ...(old ?? []).filter((x) => x.line !== r.line)]),
    [qc],
  );
  useMainEvent(api.bridges.onDiagnosis, onDiagnosis);
  useMainEvent(api.bridges.onTest, onTest);
}
