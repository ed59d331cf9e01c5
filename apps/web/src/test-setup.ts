// jsdom lacks what ngx-echarts and ECharts touch: ResizeObserver, and canvas 2D contexts (jsdom's
// getContext only logs "not implemented"). Component specs swap ECharts itself for a fake.
class ResizeObserverStub implements ResizeObserver {
  observe(): void {
    /* no layout in jsdom */
  }
  unobserve(): void {
    /* no layout in jsdom */
  }
  disconnect(): void {
    /* no layout in jsdom */
  }
}
globalThis.ResizeObserver ??= ResizeObserverStub;
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
