'use client';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/** Re-renders the page every second while `when` holds (a prompt still warming). */
export function AutoRefresh({ when }: { when: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!when) return;
    const timer = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(timer);
  }, [when, router]);
  return null;
}
