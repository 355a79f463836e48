import { describe, expect, it } from 'vitest';
import { planStations, stationName } from '../../src-renderer/pages/tariffs/model';

const stations = [
  { id: 'depot-1', name: '演示场站' },
  { id: '01KBZXT5N0Q8R7STATION0000', name: '二号场站' },
];

describe('a tariff plan names the stations it prices by name, not by code', () => {
  it('shows each station using the plan by its name, with when it started', () => {
    const uses = [
      { stationId: 'depot-1', from: 1000 },
      { stationId: '01KBZXT5N0Q8R7STATION0000', from: 2000 },
    ];
    expect(planStations(uses, stations)).toEqual([
      { key: 'depot-1-1000', name: '演示场站', from: 1000 },
      { key: '01KBZXT5N0Q8R7STATION0000-2000', name: '二号场站', from: 2000 },
    ]);
  });

  it('keeps the code of a station the list does not hold yet (still loading, or just added), never a blank', () => {
    expect(planStations([{ stationId: 'depot-9', from: 1 }], [])).toEqual([{ key: 'depot-9-1', name: 'depot-9', from: 1 }]);
    expect(stationName(stations, 'depot-1')).toBe('演示场站');
    expect(stationName(undefined, 'depot-1')).toBe('depot-1');
  });
});
