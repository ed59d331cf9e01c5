import { ChangeDetectionStrategy, Component, effect, ElementRef, inject, input, output, signal } from '@angular/core';
import type { ECElementEvent, ECharts, EChartsCoreOption } from 'echarts/core';
import { NgxEchartsDirective } from 'ngx-echarts';

/**
 * Dumb ECharts host: draws whatever option it is given. The first option initialises the chart;
 * later ones are merged into it (series replaced by id, everything else kept: tooltip, hover,
 * legend selection), so a refresh every few seconds neither flickers nor resets the view.
 */
@Component({
  selector: 'app-chart',
  imports: [NgxEchartsDirective],
  template: `<div
    echarts
    class="chart"
    [style.height]="height()"
    [options]="base"
    (chartInit)="chart.set($event)"
    (chartClick)="chartClick.emit($event)"
    role="img"
    [attr.aria-label]="label()"
  ></div>`,
  styles: `
    :host {
      display: block;
    }
    .chart {
      width: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Chart {
  readonly option = input.required<EChartsCoreOption>();
  readonly height = input('320px');
  readonly label = input('');
  readonly chartClick = output<ECElementEvent>();

  /** Constant, so ngx-echarts never re-applies it with notMerge. */
  protected readonly base: EChartsCoreOption = {};
  protected readonly chart = signal<ECharts | null>(null);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  constructor() {
    effect(() => {
      const chart = this.chart();
      const option = this.option();
      if (!chart || chart.isDisposed()) return;
      chart.setOption(option, { replaceMerge: ['series'], lazyUpdate: true });
      this.fitToContainer(chart);
    });
  }

  /**
   * ngx-echarts ignores the first ResizeObserver report, so a chart created while the layout was
   * still settling keeps its first size; re-measure whenever new data arrives.
   */
  private fitToContainer(chart: ECharts): void {
    const el = this.host.nativeElement.firstElementChild as HTMLElement | null;
    if (!el || el.clientWidth === 0) return;
    if (Math.abs(chart.getWidth() - el.clientWidth) > 1 || Math.abs(chart.getHeight() - el.clientHeight) > 1) {
      chart.resize();
    }
  }
}
